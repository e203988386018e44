import Formats
import Foundation
import Geometry

/// Writes images with their cameras and (optional) poses as one kapture folder (`Kapture`): one
/// camera sensor per distinct intrinsics (`cam000`, `cam001`, ... in order of first use), one
/// record per image with timestamps 0, 1, 2, ... in the given order, a trajectory entry
/// (cam_from_world, which kapture calls device_from_world) for each image with a pose, and the
/// images themselves under `sensors/records_data/<name>`, linked or moved there.
public enum KaptureWriter {
    public struct Image: Sendable {
        public var name: String
        public var intrinsics: Kapture.Intrinsics
        public var camFromWorld: Rigid3?
        /// The image file.
        public var source: String

        public init(name: String, intrinsics: Kapture.Intrinsics, camFromWorld: Rigid3?, source: String) {
            self.name = name; self.intrinsics = intrinsics; self.camFromWorld = camFromWorld; self.source = source
        }
    }

    public enum Transfer: Sendable { case link, move }

    /// The kapture of `images`, without writing anything.
    public static func kapture(_ images: [Image]) -> Kapture {
        var kapture = Kapture()
        var sensorOf: [Kapture.Intrinsics: String] = [:]
        for (k, image) in images.enumerated() {
            let id: String
            if let known = sensorOf[image.intrinsics] { id = known } else {
                id = String(format: "cam%03d", sensorOf.count)
                sensorOf[image.intrinsics] = id
                kapture.sensors.append(Kapture.Sensor(id: id, type: "camera", params: Kapture.sensorParams(image.intrinsics)))
            }
            let key = Kapture.Key(timestamp: Int64(k), device: id)
            kapture.records.append(Kapture.Record(key: key, imagePath: image.name))
            if let pose = image.camFromWorld { kapture.trajectories[key] = pose }
        }
        return kapture
    }

    /// Writes the kapture folder `folder` (created; its sensors files replaced atomically).
    /// - Throws: `RelocError.file` naming the image or file that could not be written.
    public static func write(_ images: [Image], to folder: String, transfer: Transfer) throws {
        let fm = FileManager.default
        let data = Kapture.recordsDataFolder(folder)
        for image in images {
            if let problem = imageNameProblem(image.name) { throw RelocError.invalidArgument("\(image.source): \(problem)") }
            let destination = (data as NSString).appendingPathComponent(image.name)
            do {
                try fm.createDirectory(atPath: (destination as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                if fm.fileExists(atPath: destination) || (try? fm.destinationOfSymbolicLink(atPath: destination)) != nil {
                    try fm.removeItem(atPath: destination)
                }
                switch transfer {
                case .link:
                    let target = image.source.hasPrefix("/") ? image.source : (fm.currentDirectoryPath as NSString).appendingPathComponent(image.source)
                    try fm.createSymbolicLink(atPath: destination, withDestinationPath: (target as NSString).standardizingPath)
                case .move:
                    try fm.moveItem(atPath: image.source, toPath: destination)
                }
            } catch {
                throw RelocError.file(file: destination, message: "cannot place the image \(image.source) there: \(error.localizedDescription)")
            }
        }
        try kapture(images).write(folder: folder)
    }
}

extension Kapture.Intrinsics: Hashable {
    public func hash(into hasher: inout Hasher) {
        switch self {
        case .known(let c):
            hasher.combine(c.model.name); hasher.combine(c.width); hasher.combine(c.height); hasher.combine(c.params)
        case .unknown(let w, let h):
            hasher.combine(w); hasher.combine(h)
        }
    }
}
