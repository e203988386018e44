import Features
import Formats
import Foundation
import Geometry

/// `reloc import cambridge SCENE`: one Cambridge Landmarks scene (`CambridgeFiles`) into reloc's
/// layout. `dataset_train.txt` gives the database (the reference model, from its poses),
/// `dataset_test.txt` the queries and their ground truth; the list is `<scene>_queries_with_intrinsics.txt`,
/// so `reloc evaluate` reports the scene as its condition.
///
/// Conventions converted: X Y Z is the camera centre, W P Q R the world-to-camera rotation, so
/// cam_from_world = (R, −R·C). Intrinsics from `reconstruction.nvm` (matched by name without the
/// extension): SIMPLE_RADIAL with the NVM focal, the principal point at the image centre (the
/// NVM has none; DSAC* and kapture assume the centre) and k = −RADIAL (VisualSFM's distortion maps
/// the other way; kapture and COLMAP's NVM reader negate it too). The image size is read from each
/// image file; the NVM focal is taken in pixels of the distributed images, as DSAC* and kapture do.
/// With `focal` given, no NVM is needed: SIMPLE_PINHOLE with that focal.
///
/// The import checks the split files' poses against the NVM's for the same images and reports the
/// largest difference, which pins the rotation direction on the data itself.
public struct CambridgeImport: Sendable {
    public var source: String
    public var focal: Double?

    public init(source: String, focal: Double? = nil) { self.source = source; self.focal = focal }

    /// How far the split files' poses are from the NVM's (over the images in both).
    public struct NVMAgreement: Equatable, Sendable {
        public var images = 0
        public var maxCentreDistance = 0.0
        public var maxRotationDegrees = 0.0
    }

    public func dataset() throws -> (dataset: ImportedDataset, agreement: NVMAgreement?) {
        func join(_ b: String) -> String { (source as NSString).appendingPathComponent(b) }
        let scene = ((source as NSString).standardizingPath as NSString).lastPathComponent
        let trainFile = join("dataset_train.txt"), testFile = join("dataset_test.txt"), nvmFile = join("reconstruction.nvm")
        let train = try CambridgeFiles.parseSplit(try readTextFile(trainFile), file: trainFile)
        let test = try CambridgeFiles.parseSplit(try readTextFile(testFile), file: testFile)
        var nvm: [String: CambridgeFiles.NVMCamera] = [:]
        if focal == nil {
            guard FileManager.default.fileExists(atPath: nvmFile) else {
                throw RelocError.file(file: nvmFile, message: "no such file: the intrinsics come from the scene's NVM model (or give --focal)")
            }
            for camera in try CambridgeFiles.parseNVM(try readTextFile(nvmFile), file: nvmFile) { nvm[CambridgeFiles.stem(camera.name)] = camera }
        }
        var agreement = focal == nil ? NVMAgreement() : nil

        func camera(_ frame: CambridgeFiles.Frame, file: String) throws -> (Camera, ImportedDataset.Image) {
            let path = join(frame.name)
            let size: (width: Int, height: Int)
            do { size = try ImageFile.size(path: path) } catch {
                throw FormatError.parse(file: file, line: frame.line, message: "image '\(frame.name)': \(error)")
            }
            let (w, h) = (Double(size.width), Double(size.height))
            let camera: Camera
            if let focal {
                camera = try Camera(model: .simplePinhole, width: size.width, height: size.height, params: [focal, w / 2, h / 2])
            } else {
                guard let entry = nvm[CambridgeFiles.stem(frame.name)] else {
                    throw FormatError.parse(file: file, line: frame.line, message: "image '\(frame.name)' is not in \(nvmFile) (or give --focal)")
                }
                camera = try Camera(model: .simpleRadial, width: size.width, height: size.height, params: [entry.focal, w / 2, h / 2, -entry.radial])
                agreement!.images += 1
                agreement!.maxCentreDistance = max(agreement!.maxCentreDistance, PoseError.position(entry.camFromWorld, frame.camFromWorld))
                agreement!.maxRotationDegrees = max(agreement!.maxRotationDegrees, PoseError.rotationDegrees(entry.camFromWorld, frame.camFromWorld))
            }
            return (camera, ImportedDataset.Image(name: frame.name, source: path))
        }

        var dataset = ImportedDataset(info: DatasetInfo(source: "cambridge", sourcePath: source, submissionFormat: .path, scene: scene))
        for frame in train.sorted(by: { $0.name < $1.name }) {
            let (c, image) = try camera(frame, file: trainFile)
            dataset.images.append(image)
            dataset.addDatabaseImage(name: frame.name, camera: c, camFromWorld: frame.camFromWorld)
        }
        var entries: [QueryEntry] = []
        for frame in test.sorted(by: { $0.name < $1.name }) {
            let (c, image) = try camera(frame, file: testFile)
            dataset.images.append(image)
            entries.append(QueryEntry(name: frame.name, camera: c))
            dataset.groundTruth.append(PoseEntry(name: frame.name, camFromWorld: frame.camFromWorld))
        }
        dataset.queryLists = [.init(fileName: ImportedDataset.listFileName(condition: scene), entries: entries)]
        return (dataset, agreement)
    }
}
