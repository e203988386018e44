import Features
import Formats
import Foundation
import Geometry

/// `reloc import 7scenes SCENE`: one 7-Scenes scene (`SevenScenesFiles`) into reloc's layout.
/// The sequences of `TrainSplit.txt` give the database (every `mappingEvery`-th frame), those of
/// `TestSplit.txt` the queries (every `queryEvery`-th) and their ground truth; the list is
/// `<scene>_queries_with_intrinsics.txt`.
///
/// Conventions converted: `frame-*.pose.txt` is camera-to-world, so cam_from_world is its inverse
/// (rotation taken to the nearest unit quaternion). The camera is SIMPLE_PINHOLE with `focal`
/// (default 525, the RGB focal DSAC* and kapture use; the dataset's note gives 585 for the depth
/// camera) and the principal point at the image centre, (320, 240) for 640×480 as the note says,
/// which in COLMAP's convention (top-left pixel centre at (0.5, 0.5)) is the centre itself. The
/// poses are the depth camera's (KinectFusion); like hloc and DSAC*, they are used for the RGB images.
public struct SevenScenesImport: Sendable {
    public var source: String
    public var focal: Double = 525
    public var mappingEvery = 1
    public var queryEvery = 1

    public init(source: String) { self.source = source }

    public func dataset() throws -> ImportedDataset {
        guard focal > 0, focal.isFinite else { throw RelocError.invalidOption(option: "focal", message: "must be positive") }
        guard mappingEvery >= 1 else { throw RelocError.invalidOption(option: "mapping-every", message: "must be at least 1") }
        guard queryEvery >= 1 else { throw RelocError.invalidOption(option: "query-every", message: "must be at least 1") }
        func join(_ b: String) -> String { (source as NSString).appendingPathComponent(b) }
        let scene = ((source as NSString).standardizingPath as NSString).lastPathComponent
        let trainFile = join("TrainSplit.txt"), testFile = join("TestSplit.txt")
        let train = try SevenScenesFiles.parseSplit(try readTextFile(trainFile), file: trainFile)
        let test = try SevenScenesFiles.parseSplit(try readTextFile(testFile), file: testFile)
        var dataset = ImportedDataset(info: DatasetInfo(source: "7scenes", sourcePath: source, submissionFormat: .path, scene: scene))
        var cameras: [String: Camera] = [:]

        /// The frames of a sequence: (name of the colour image, its pose), in frame order.
        func frames(_ sequence: String, split: String, every: Int) throws -> [(name: String, image: String, camera: Camera, pose: Rigid3)] {
            let folder = join(sequence)
            guard let files = try? FileManager.default.contentsOfDirectory(atPath: folder) else {
                throw RelocError.file(file: folder, message: "no such sequence folder (listed in \(split))")
            }
            let colour = files.filter { $0.hasPrefix("frame-") && ($0.hasSuffix(".color.png") || $0.hasSuffix(".color.jpg")) }.sorted()
            guard !colour.isEmpty else { throw RelocError.file(file: folder, message: "no frame-*.color.png images") }
            var result: [(String, String, Camera, Rigid3)] = []
            for (k, file) in colour.enumerated() where k % every == 0 {
                let stem = String(file.prefix(while: { $0 != "." }))
                let poseFile = (folder as NSString).appendingPathComponent(stem + ".pose.txt")
                let pose = try SevenScenesFiles.parsePose(try readTextFile(poseFile), file: poseFile)
                let image = (folder as NSString).appendingPathComponent(file)
                let size = try ImageFile.size(path: image)
                let key = "\(size.width)x\(size.height)"
                if cameras[key] == nil {
                    cameras[key] = try Camera(model: .simplePinhole, width: size.width, height: size.height,
                                              params: [focal, Double(size.width) / 2, Double(size.height) / 2])
                }
                result.append((sequence + "/" + file, image, cameras[key]!, pose))
            }
            return result
        }

        for sequence in train {
            for frame in try frames(sequence, split: trainFile, every: mappingEvery) {
                dataset.images.append(.init(name: frame.name, source: frame.image))
                dataset.addDatabaseImage(name: frame.name, camera: frame.camera, camFromWorld: frame.pose)
            }
        }
        var entries: [QueryEntry] = []
        for sequence in test {
            for frame in try frames(sequence, split: testFile, every: queryEvery) {
                dataset.images.append(.init(name: frame.name, source: frame.image))
                entries.append(QueryEntry(name: frame.name, camera: frame.camera))
                dataset.groundTruth.append(PoseEntry(name: frame.name, camFromWorld: frame.pose))
            }
        }
        dataset.queryLists = [.init(fileName: ImportedDataset.listFileName(condition: scene), entries: entries)]
        return dataset
    }
}
