import Formats
import Foundation
import Geometry

/// A dataset in reloc's layout, assembled in memory by an importer and written in one step:
///
///     DS/images/<name>              symbolic links to the source's images (never copies)
///     DS/3D-models/reference/       COLMAP text model: cameras and posed database images, no points
///     DS/queries/<list>             *_queries_with_intrinsics.txt, one per list
///     DS/ground_truth.txt           the queries that have a pose in the source
///     DS/dataset.json               where it came from and how its benchmark names queries
///
/// The folder is built beside DS under a temporary name and renamed into place, so a failed import
/// leaves nothing half-written.
public struct ImportedDataset: Sendable {
    /// An image: its name in the dataset and the file it links to.
    public struct Image: Equatable, Sendable {
        public var name: String
        public var source: String
        public init(name: String, source: String) { self.name = name; self.source = source }
    }

    /// One query list: its file name under `queries/` and its entries.
    public struct List: Equatable, Sendable {
        public var fileName: String
        public var entries: [QueryEntry]
        public init(fileName: String, entries: [QueryEntry]) { self.fileName = fileName; self.entries = entries }
    }

    public var images: [Image] = []
    public var model = ColmapModel()
    public var queryLists: [List] = []
    public var groundTruth: [PoseEntry] = []
    public var info: DatasetInfo

    public init(info: DatasetInfo) { self.info = info }

    /// What was written, for the command's summary line.
    public struct Summary: Equatable, Sendable {
        public var databaseImages: Int
        public var queries: Int
        public var queriesWithGroundTruth: Int
        public var cameras: Int
        public var lists: [String]
    }

    public var summary: Summary {
        Summary(databaseImages: model.images.count, queries: queryLists.reduce(0) { $0 + $1.entries.count },
                queriesWithGroundTruth: groundTruth.count, cameras: model.cameras.count, lists: queryLists.map(\.fileName))
    }

    /// Adds a database image to the model with the next image id, its camera shared with earlier
    /// images of equal intrinsics.
    public mutating func addDatabaseImage(name: String, camera: Camera, camFromWorld: Rigid3) {
        let cameraID = model.cameras.first { $0.value == camera }?.key ?? UInt32(model.cameras.count + 1)
        model.cameras[cameraID] = camera
        let id = UInt32(model.images.count + 1)
        model.images[id] = .init(id: id, name: name, cameraID: cameraID, camFromWorld: camFromWorld)
    }

    /// Checks the parts agree: every name a plain relative path, linked once, each database image
    /// and query linked, no image both.
    public func validate() throws {
        var linked = Set<String>()
        for image in images {
            if let problem = imageNameProblem(image.name) { throw RelocError.invalidArgument("\(image.source): \(problem)") }
            guard linked.insert(image.name).inserted else {
                throw RelocError.invalidArgument("two source images would be '\(image.name)' in the dataset (the second: \(image.source))")
            }
        }
        guard !model.images.isEmpty else { throw RelocError.invalidArgument("no posed database image to build the reference model from") }
        guard queryLists.contains(where: { !$0.entries.isEmpty }) else { throw RelocError.invalidArgument("no query images") }
        let database = Set(model.images.values.map(\.name))
        for name in database where !linked.contains(name) { throw RelocError.invalidArgument("database image '\(name)' has no image file") }
        for list in queryLists {
            for entry in list.entries {
                guard linked.contains(entry.name) else { throw RelocError.invalidArgument("query '\(entry.name)' has no image file") }
                guard !database.contains(entry.name) else {
                    throw RelocError.invalidArgument("'\(entry.name)' is both a database image and a query")
                }
            }
        }
    }

    /// Writes the dataset to `output`. An existing non-empty `output` is an error unless
    /// `overwrite`, when it is replaced (after the new one is complete).
    /// - Throws: `RelocError` naming the folder or file.
    public func write(to output: String, overwrite: Bool = false) throws {
        try validate()
        let fm = FileManager.default
        let output = ((output.hasPrefix("/") ? output : (fm.currentDirectoryPath as NSString).appendingPathComponent(output)) as NSString).standardizingPath
        if fm.fileExists(atPath: output), !((try? fm.contentsOfDirectory(atPath: output)) ?? ["?"]).isEmpty, !overwrite {
            throw RelocError.file(file: output, message: "exists and is not empty (give --overwrite to replace it)")
        }
        let staging = output + ".importing-\(getpid())"
        try? fm.removeItem(atPath: staging)
        func join(_ a: String, _ b: String) -> String { (a as NSString).appendingPathComponent(b) }
        do {
            for image in images {
                let link = join(join(staging, "images"), image.name)
                try fm.createDirectory(atPath: (link as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                let target = image.source.hasPrefix("/") ? image.source : join(fm.currentDirectoryPath, image.source)
                try fm.createSymbolicLink(atPath: link, withDestinationPath: (target as NSString).standardizingPath)
            }
            try model.write(folder: join(staging, "3D-models/reference"), format: .text)
            for list in queryLists where !list.entries.isEmpty {
                try QueryList.write(list.entries, to: join(join(staging, "queries"), list.fileName))
            }
            if !groundTruth.isEmpty { try PoseFile.write(groundTruth, to: join(staging, "ground_truth.txt")) }
            var info = info
            if let source = info.sourcePath, !source.hasPrefix("/") {
                info.sourcePath = ((fm.currentDirectoryPath as NSString).appendingPathComponent(source) as NSString).standardizingPath
            }
            try info.write(to: join(staging, DatasetInfo.fileName))
            if fm.fileExists(atPath: output) { try fm.removeItem(atPath: output) }
            try fm.createDirectory(atPath: (output as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            guard rename(staging, output) == 0 else {
                throw RelocError.file(file: output, message: "cannot rename \(staging) into place: \(String(cString: strerror(errno)))")
            }
        } catch {
            try? fm.removeItem(atPath: staging)
            if let error = error as? RelocError { throw error }
            if let error = error as? FormatError { throw error }
            throw RelocError.file(file: output, message: "cannot write the dataset: \(error.localizedDescription)")
        }
    }

    /// The query list file name of a condition: `day` → `day_time_queries_with_intrinsics.txt`
    /// (Aachen's), `night` likewise, anything else `<name>_queries_with_intrinsics.txt`.
    public static func listFileName(condition: String) -> String {
        condition == "day" || condition == "night" ? "\(condition)_time_queries_with_intrinsics.txt" : "\(condition)_queries_with_intrinsics.txt"
    }
}
