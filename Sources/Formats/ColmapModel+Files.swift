import Foundation

/// A COLMAP model folder's format.
public enum ColmapFormat: String, CaseIterable, Sendable {
    case text = "txt"
    case binary = "bin"
}

/// Reading and writing model folders (`cameras`, `images`, `points3D`, and optionally
/// `rigs`, `frames`, each `.txt` or `.bin`).
extension ColmapModel {
    static func fileNames(in folder: String, format: ColmapFormat) -> ColmapFiles<String> {
        func path(_ stem: String) -> String { (folder as NSString).appendingPathComponent("\(stem).\(format.rawValue)") }
        return ColmapFiles(cameras: path("cameras"), images: path("images"), points3D: path("points3D"),
                           rigs: path("rigs"), frames: path("frames"))
    }

    /// The format of the model in `folder`: binary when `cameras.bin`, `images.bin` and
    /// `points3D.bin` all exist (COLMAP's preference), else text when the three `.txt` exist.
    /// - Throws: `FormatError.file` naming the folder when it holds neither.
    public static func detectFormat(folder: String) throws -> ColmapFormat {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw FormatError.file(file: folder, message: "no such model folder")
        }
        for format in [ColmapFormat.binary, .text] {
            let names = fileNames(in: folder, format: format)
            if [names.cameras, names.images, names.points3D].allSatisfy({ FileManager.default.fileExists(atPath: $0) }) {
                return format
            }
        }
        throw FormatError.file(file: folder, message: "not a COLMAP model: needs cameras, images and points3D (.txt or .bin)")
    }

    /// The files `read(folder:)` reads from `folder` (format detected; rigs and frames when present),
    /// for fingerprinting what a file made from the model was made from.
    /// - Throws: `FormatError.file` as `detectFormat`.
    public static func filePaths(in folder: String) throws -> [String] {
        let names = fileNames(in: folder, format: try detectFormat(folder: folder))
        return [names.cameras, names.images, names.points3D] + [names.rigs, names.frames].compactMap { $0 }.filter { FileManager.default.fileExists(atPath: $0) }
    }

    /// What `read(folder:content:)` loads.
    public enum Content: Sendable {
        /// Everything: cameras, images with their 2D points, 3D points with tracks, rigs, frames.
        case full
        /// Cameras, image names and poses (rigs and frames applied); no 2D or 3D points —
        /// `points3D` is not read and each image's `points2D` is empty. For the callers that need
        /// only the poses (upright check, triangulation, epipolar guide, image lists): an Aachen-
        /// sized model holds tens of millions of observations they would parse and drop.
        case camerasAndPoses
    }

    /// Reads the model in `folder` (format detected, rigs/frames read when present).
    /// - Throws: `FormatError` naming the file and line or byte offset of the first problem.
    public static func read(folder: String, content: Content = .full) throws -> ColmapModel {
        let format = try detectFormat(folder: folder)
        var names = fileNames(in: folder, format: format)
        let hasRigs = FileManager.default.fileExists(atPath: names.rigs!)
        let hasFrames = FileManager.default.fileExists(atPath: names.frames!)
        if hasRigs != hasFrames {
            throw FormatError.file(file: hasRigs ? names.rigs! : names.frames!,
                                  message: "found without its companion \(hasRigs ? "frames" : "rigs") file")
        }
        if !hasRigs { names.rigs = nil; names.frames = nil }
        switch format {
        case .text:
            let files = ColmapFiles(cameras: try readTextFile(names.cameras), images: try readTextFile(names.images),
                                    points3D: content == .full ? try readTextFile(names.points3D) : "",
                                    rigs: try names.rigs.map(readTextFile), frames: try names.frames.map(readTextFile))
            return try parseText(files, names: names, content: content)
        case .binary:
            let files = ColmapFiles(cameras: try readBinaryFile(names.cameras), images: try readBinaryFile(names.images),
                                    points3D: content == .full ? try readBinaryFile(names.points3D) : [],
                                    rigs: try names.rigs.map(readBinaryFile), frames: try names.frames.map(readBinaryFile))
            return try parseBinary(files, names: names, content: content)
        }
    }

    /// Writes the model into `folder` (created if needed), each file atomically. Rigs and
    /// frames files are written when the model has them and removed otherwise, so the
    /// folder never mixes two models.
    /// - Throws: `FormatError.file` if the folder already holds a model in the other format
    ///   (COLMAP would read that one first) or a file cannot be written.
    public func write(folder: String, format: ColmapFormat) throws {
        let other: ColmapFormat = format == .text ? .binary : .text
        let otherCameras = Self.fileNames(in: folder, format: other).cameras
        if FileManager.default.fileExists(atPath: otherCameras) {
            throw FormatError.file(file: folder, message: "already holds a model in .\(other.rawValue) format (\(otherCameras)); write to another folder")
        }
        let names = Self.fileNames(in: folder, format: format)
        switch format {
        case .text:
            let files = formatText()
            try AtomicFile.write(files.cameras, to: names.cameras)
            try AtomicFile.write(files.images, to: names.images)
            try AtomicFile.write(files.points3D, to: names.points3D)
            try writeOrRemove(files.rigs.map { Data($0.utf8) }, names.rigs!)
            try writeOrRemove(files.frames.map { Data($0.utf8) }, names.frames!)
        case .binary:
            let files = formatBinary()
            try AtomicFile.write(files.cameras, to: names.cameras)
            try AtomicFile.write(files.images, to: names.images)
            try AtomicFile.write(files.points3D, to: names.points3D)
            try writeOrRemove(files.rigs.map { Data($0) }, names.rigs!)
            try writeOrRemove(files.frames.map { Data($0) }, names.frames!)
        }
    }

    /// Writes the model into a temporary folder beside `folder`, then swaps it in: a killed run
    /// never leaves a half-written model under the final name (a model is several files, so
    /// `AtomicFile` per file is not enough).
    /// - Throws: `FormatError.file` naming the folder that cannot be created, replaced or moved.
    public func writeAtomically(folder: String, format: ColmapFormat) throws {
        let fm = FileManager.default
        let temporary = folder + ".tmp-\(getpid())"
        try? fm.removeItem(atPath: temporary)
        do { try fm.createDirectory(atPath: temporary, withIntermediateDirectories: true) } catch {
            throw FormatError.file(file: temporary, message: "cannot create the folder: \(error.localizedDescription)")
        }
        try write(folder: temporary, format: format)
        if fm.fileExists(atPath: folder) {
            do { try fm.removeItem(atPath: folder) } catch {
                throw FormatError.file(file: folder, message: "cannot replace the old model: \(error.localizedDescription)")
            }
        }
        guard rename(temporary, folder) == 0 else {
            throw FormatError.file(file: folder, message: "cannot move the new model into place: \(String(cString: strerror(errno)))")
        }
    }

    private func writeOrRemove(_ data: Data?, _ path: String) throws {
        if let data {
            try AtomicFile.write(data, to: path)
        } else if FileManager.default.fileExists(atPath: path) {
            do { try FileManager.default.removeItem(atPath: path) } catch {
                throw FormatError.file(file: path, message: "cannot remove stale file: \(error.localizedDescription)")
            }
        }
    }
}
