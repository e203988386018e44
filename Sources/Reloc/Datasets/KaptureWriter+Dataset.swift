import Formats
import Foundation
import Geometry

extension KaptureWriter {
    /// A dataset in reloc's layout written as NAVER's kapture downloads are: `output/mapping/`
    /// (the reference model's images, cameras and poses) and `output/query/` (the query lists'
    /// images and cameras, with the ground truth as their trajectories), each a kapture folder.
    /// `reloc import kapture output` reads it back into the same dataset.
    public static func write(dataset layout: DatasetLayout, to output: String, transfer: Transfer) throws {
        let model = try ColmapModel.read(folder: layout.model, content: .full)
        var mapping: [Image] = []
        for image in model.sortedImages {
            guard let camera = model.cameras[image.cameraID] else {
                throw RelocError.file(file: layout.model, message: "image '\(image.name)' has camera \(image.cameraID), which the model does not have")
            }
            mapping.append(Image(name: image.name, intrinsics: .known(camera), camFromWorld: image.camFromWorld,
                                 source: (layout.imageFolder as NSString).appendingPathComponent(image.name)))
        }
        let truth = try layout.groundTruth.map { try PoseFile.read(path: $0) } ?? []
        let truthIndex = QueryNameIndex(truth.map { ($0.name, $0.camFromWorld) })
        var query: [Image] = []
        var seen = Set<String>()
        for list in layout.queryLists {
            for q in try QueryList.read(path: list) where seen.insert(q.name).inserted {
                query.append(Image(name: q.name, intrinsics: q.focalUnknown ? .unknown(width: q.camera.width, height: q.camera.height) : .known(q.camera),
                                   camFromWorld: truthIndex[q.name] ?? truthIndex[imageBasename(q.name)],
                                   source: (layout.imageFolder as NSString).appendingPathComponent(q.name)))
            }
        }
        try write(mapping, to: (output as NSString).appendingPathComponent("mapping"), transfer: transfer)
        try write(query, to: (output as NSString).appendingPathComponent("query"), transfer: transfer)
    }
}
