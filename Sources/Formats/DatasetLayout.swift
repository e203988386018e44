import Foundation

/// Where things are in a dataset folder (Aachen-like layout):
/// `images/` (or Aachen v1.1's `images/images_upright/`), `3D-models/<name>/` (COLMAP model, txt
/// or bin), `queries/*_queries_with_intrinsics.txt`, optional `ground_truth.txt` and (synthetic
/// datasets) `coverage.txt` (`CoverageFile`), and `dataset.json` (`DatasetInfo`) where `reloc import`
/// made it.
public struct DatasetLayout: Equatable, Sendable {
    public var root: String
    /// Folder the names of every list are relative to.
    public var imageFolder: String
    /// The reference model folder.
    public var model: String
    public var queryLists: [String]
    public var groundTruth: String?
    /// How much of each query the database covers (`reloc synth` writes it).
    public var coverage: String? = nil
    /// `dataset.json` as `reloc import` wrote it, when present.
    public var info: DatasetInfo? = nil

    /// How this dataset's benchmark names queries in a submission (`dataset.json`, else Aachen's).
    public var submissionFormat: SubmissionFormat { info?.submissionFormat ?? .aachen }

    /// - Parameter modelName: the folder under `3D-models` to use; needed only when there are several.
    /// - Throws: `FormatError.file` naming what is missing.
    public static func detect(root: String, modelName: String? = nil) throws -> DatasetLayout {
        let fm = FileManager.default
        func isFolder(_ path: String) -> Bool {
            var flag: ObjCBool = false
            return fm.fileExists(atPath: path, isDirectory: &flag) && flag.boolValue
        }
        func join(_ a: String, _ b: String) -> String { (a as NSString).appendingPathComponent(b) }
        guard isFolder(root) else { throw FormatError.file(file: root, message: "no such dataset folder") }
        let images = join(root, "images")
        guard isFolder(images) else { throw FormatError.file(file: images, message: "the dataset has no images folder") }
        let upright = join(images, "images_upright")
        let imageFolder = isFolder(upright) ? upright : images

        let models = join(root, "3D-models")
        var model: String
        if let modelName {
            model = join(models, modelName)
            guard isFolder(model) else { throw FormatError.file(file: model, message: "no such model folder") }
        } else {
            let entries = ((try? fm.contentsOfDirectory(atPath: models)) ?? []).filter { isFolder(join(models, $0)) }.sorted()
            let withModel = entries.filter { (try? ColmapModel.detectFormat(folder: join(models, $0))) != nil }
            guard !withModel.isEmpty else {
                throw FormatError.file(file: models, message: "no COLMAP model (cameras, images, points3D .txt or .bin) in any folder here")
            }
            guard withModel.count == 1 else {
                throw FormatError.file(file: models, message: "several models (\(withModel.joined(separator: ", "))): choose one with --model")
            }
            model = join(models, withModel[0])
        }

        let queriesFolder = join(root, "queries")
        let lists = ((try? fm.contentsOfDirectory(atPath: queriesFolder)) ?? [])
            .filter { $0.hasSuffix("_queries_with_intrinsics.txt") }.sorted().map { join(queriesFolder, $0) }
        guard !lists.isEmpty else {
            throw FormatError.file(file: queriesFolder, message: "no *_queries_with_intrinsics.txt query list")
        }
        let truth = join(root, "ground_truth.txt")
        let coverage = join(root, CoverageFile.fileName)
        let infoPath = join(root, DatasetInfo.fileName)
        let info = fm.fileExists(atPath: infoPath) ? try DatasetInfo.read(path: infoPath) : nil
        return DatasetLayout(root: root, imageFolder: imageFolder, model: model, queryLists: lists,
                             groundTruth: fm.fileExists(atPath: truth) ? truth : nil, coverage: fm.fileExists(atPath: coverage) ? coverage : nil,
                             info: info)
    }

    /// Every query list's images must exist under the image folder.
    /// - Throws: `FormatError.parse` naming the list, the line and the missing image.
    public func checkQueryImages() throws {
        for list in queryLists {
            for line in textLines(try readTextFile(list), file: list) where !line.isBlankOrComment {
                guard let name = line.fields.first.map(String.init) else { continue }
                if let problem = imageNameProblem(name) { throw line.error(problem) }
                let path = (imageFolder as NSString).appendingPathComponent(name)
                if !FileManager.default.fileExists(atPath: path) {
                    throw line.error("query image '\(name)' does not exist (looked for \(path))")
                }
            }
        }
    }
}
