import Formats
import Foundation
import Geometry

/// The map in a `ServeSectionFile` of kind `map` (`serve-map.rlss` beside a run), read in place
/// by `reloc serve`. Sections:
///
///     names             the images' names, UTF-8, each ended by "\n", in the map's order
///     image_ids         UInt32 per image (COLMAP image id)
///     camera_ids        UInt32 per image
///     poses             7 Float64 per image: camFromWorld qw qx qy qz tx ty tz
///     cameras           JSON [{"id", "model", "width", "height", "params"}]
///     keypoint_offsets  Int64, images + 1     keypoint_points  Int32 per keypoint (-1: none)
///     point_ids         UInt64 per point       point_xyz        3 Float64 per point
///     observer_offsets  Int64, points + 1     observer_images  UInt32 per observation
///     database          the retrieval database's names (as `names`), read from the run's reference
///                       model when the file was made: serve need not parse that model at each start
extension MapIndex {
    static let fileKind = "map"

    private struct CameraRecord: Codable {
        var id: UInt32
        var model: String
        var width: Int
        var height: Int
        var params: [Double]
    }

    /// Writes this map as a file (atomically), with the database's names.
    func write(to path: String, source: String, database: [String] = []) throws {
        var names = Data()
        for image in images { names.append(Data((image.name + "\n").utf8)) }
        var cameraRecords: [UInt32: CameraRecord] = [:]
        for (image, camera) in zip(images, cameras) {
            cameraRecords[image.cameraID] = CameraRecord(id: image.cameraID, model: camera.model.name, width: camera.width,
                                                         height: camera.height, params: camera.params)
        }
        let cameraJSON = try JSONEncoder().encode(cameraRecords.keys.sorted().map { cameraRecords[$0]! })
        let poses = images.flatMap { image -> [Double] in
            let q = image.camFromWorld.rotation, t = image.camFromWorld.translation
            return [q.w, q.x, q.y, q.z, t.x, t.y, t.z]
        }
        let c = columns
        func raw<T>(_ buffer: UnsafeBufferPointer<T>) -> UnsafeRawBufferPointer { UnsafeRawBufferPointer(buffer) }
        let small: [[UInt8]] = [[UInt8](names), images.map(\.id).withUnsafeBytes { [UInt8]($0) },
                                images.map(\.cameraID).withUnsafeBytes { [UInt8]($0) }, poses.withUnsafeBytes { [UInt8]($0) }, [UInt8](cameraJSON)]
        let columnBytes = [raw(c.keypointOffsets), raw(c.keypointPoints), raw(c.pointIDs), raw(c.pointXYZ), raw(c.observerOffsets), raw(c.observerImages)]
        let sectionNames = ["names", "image_ids", "camera_ids", "poses", "cameras",
                            "keypoint_offsets", "keypoint_points", "point_ids", "point_xyz", "observer_offsets", "observer_images", "database"]
        let databaseBytes = [UInt8](database.map { $0 + "\n" }.joined().utf8)
        try ServeSectionFile.write(to: path, kind: Self.fileKind, source: source, names: sectionNames) { k, put in
            if k < small.count { try small[k].withUnsafeBytes { try put($0) } }
            else if k < small.count + columnBytes.count { try put(columnBytes[k - small.count]) }
            else { try databaseBytes.withUnsafeBytes { try put($0) } }
        }
    }

    /// Reads a map file: the images and cameras copied (small), the columns in place.
    /// - Throws: `FormatError.file` naming the file when it is damaged or inconsistent.
    init(file: ServeSectionFile) throws {
        func fail(_ message: String) -> FormatError { .file(file: file.path, message: message) }
        let names = try Self.names(file, "names")
        let n = names.count
        guard n > 0 else { throw fail("the map has no images") }
        let imageIDs = try file.array("image_ids", of: UInt32.self, count: n)
        let cameraIDs = try file.array("camera_ids", of: UInt32.self, count: n)
        let poses = try file.array("poses", of: Double.self, count: 7 * n)
        guard let records = try? JSONDecoder().decode([CameraRecord].self, from: try file.bytes("cameras")) else {
            throw fail("the cameras are not readable")
        }
        var byID: [UInt32: Camera] = [:]
        for r in records {
            do { byID[r.id] = try Camera(modelName: r.model, width: r.width, height: r.height, params: r.params) } catch {
                throw fail("camera \(r.id): \(error)")
            }
        }
        var images: [ColmapModel.ModelImage] = []
        var cameras: [Camera] = []
        images.reserveCapacity(n)
        for k in 0..<n {
            guard let camera = byID[cameraIDs[k]] else { throw fail("image '\(names[k])' has no camera \(cameraIDs[k])") }
            let p = 7 * k
            let pose = Rigid3(rotation: Quaternion(w: poses[p], x: poses[p + 1], y: poses[p + 2], z: poses[p + 3]),
                              translation: Vector3(poses[p + 4], poses[p + 5], poses[p + 6]))
            images.append(ColmapModel.ModelImage(id: imageIDs[k], name: names[k], cameraID: cameraIDs[k], camFromWorld: pose))
            cameras.append(camera)
        }
        let keypointOffsets = try file.array("keypoint_offsets", of: Int64.self, count: n + 1)
        let keypointPoints = try file.array("keypoint_points", of: Int32.self)
        let pointIDs = try file.array("point_ids", of: UInt64.self)
        let points = pointIDs.count
        let pointXYZ = try file.array("point_xyz", of: Double.self, count: 3 * points)
        let observerOffsets = try file.array("observer_offsets", of: Int64.self, count: points + 1)
        let observerImages = try file.array("observer_images", of: UInt32.self)
        // Offsets are checked once here (the checksums passed, so this is a reloc-written file;
        // this guards against a writer's bug, never reading outside a column).
        guard keypointOffsets[0] == 0, keypointOffsets[n] == Int64(keypointPoints.count),
              zip(keypointOffsets.dropFirst(), keypointOffsets).allSatisfy({ $0 >= $1 }),
              observerOffsets[0] == 0, observerOffsets[points] == Int64(observerImages.count),
              zip(observerOffsets.dropFirst(), observerOffsets).allSatisfy({ $0 >= $1 }) else {
            throw fail("the offsets do not fit the columns")
        }
        guard !keypointPoints.contains(where: { $0 < -1 || Int($0) >= points }), !observerImages.contains(where: { Int($0) >= n }) else {
            throw fail("a point or image number is out of range")
        }
        self.init(images: images, cameras: cameras,
                  columns: MapColumns(file: file, keypointOffsets: keypointOffsets, keypointPoints: keypointPoints, pointIDs: pointIDs,
                                      pointXYZ: pointXYZ, observerOffsets: observerOffsets, observerImages: observerImages))
    }

    /// A section of names, each ended by a newline.
    static func names(_ file: ServeSectionFile, _ section: String) throws -> [String] {
        var names = String(decoding: try file.bytes(section), as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard names.last == "" else {
            if names == [""] { return [] }
            throw FormatError.file(file: file.path, message: "the section '\(section)' does not end with a newline")
        }
        names.removeLast()
        return names
    }

    /// The map file for `mapFolder` (`serve-map.rlss` in `folder`), opened in place; made from the
    /// COLMAP model first when missing, stale (made from other files) or damaged. When it cannot
    /// be written the model is read into memory, with a warning.
    /// - Parameter databaseList: the run's reference model (or list) whose names are the retrieval
    ///   database; nil when there is none (the map's own images are). - Returns: the map and the
    ///   database's names.
    static func served(folder: String, mapFolder: String, databaseList: String? = nil,
                       say: (String) -> Void) throws -> (map: MapIndex, database: [String]) {
        let path = (folder as NSString).appendingPathComponent("serve-map.rlss")
        let listFiles = try databaseList.map { list -> [String] in
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(atPath: list, isDirectory: &isDirectory) && isDirectory.boolValue
                ? try ColmapModel.filePaths(in: list) : [list]
        } ?? []
        let source = try ColmapModel.filePaths(in: mapFolder).map { "model=\(ServedFeatures.identity($0))" }.joined(separator: " ")
            + listFiles.map { " database=\(ServedFeatures.identity($0))" }.joined()
        func database(_ map: MapIndex, _ recorded: [String]?) throws -> [String] {
            if let recorded { return recorded }
            return try databaseList.map { try ImageList.read(list: $0) } ?? map.images.map(\.name)
        }
        if FileManager.default.fileExists(atPath: path) {
            do {
                let file = try ServeSectionFile(path: path, kind: fileKind)
                if file.source == source {
                    let map = try MapIndex(file: file)
                    return (map, databaseList == nil ? map.images.map(\.name) : try names(file, "database"))
                }
                say("\(path): made from another map (\(file.source)); making it again")
            } catch {
                say("\(error); making it again")
            }
        }
        let start = Date()
        let map = try MapIndex(folder: mapFolder)
        let names = try database(map, nil)
        do {
            try map.write(to: path, source: source, database: databaseList == nil ? [] : names)
            let opened = try MapIndex(file: ServeSectionFile(path: path, kind: fileKind))
            say(String(format: "%@: the map's links and tracks written for reading in place (%.1f s, once)", path, Date().timeIntervalSince(start)))
            return (opened, names)
        } catch {
            say("warning: \(error); keeping the map in memory instead")
            return (map, names)
        }
    }
}
