import Formats
import Foundation
import Geometry

/// The map as localization (and the report's match figures) read it: images by name, each
/// keypoint's 3D point id, points, and which images observe each point.
struct MapIndex: Sendable {
    let images: [ColmapModel.ModelImage]
    let index: [String: Int]
    /// For each image, each 2D point's 3D point id (nil: not triangulated).
    let pointIDs: [[UInt64?]]
    let points: [UInt64: Vector3]
    /// For each point, the images (indices) that observe it.
    let observers: [UInt64: [Int]]
    /// For each image, its 2D points' pixels (only with `keepPixels`, for drawing) and its camera.
    let imagePixels: [[Vector2]]
    let cameras: [Camera]

    init(folder: String, keepPixels: Bool = false) throws {
        let model = try ColmapModel.read(folder: folder)
        images = model.sortedImages.map { var image = $0; image.points2D = []; return image }
        guard !images.isEmpty else { throw RelocError.file(file: folder, message: "the model has no images") }
        index = Dictionary(images.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { a, _ in a })
        pointIDs = model.sortedImages.map { $0.points2D.map(\.point3DID) }
        imagePixels = keepPixels ? model.sortedImages.map { $0.points2D.map(\.xy) } : []
        cameras = try model.sortedImages.map { image in
            guard let camera = model.cameras[image.cameraID] else {
                throw RelocError.file(file: folder, message: "image '\(image.name)' has no camera \(image.cameraID)")
            }
            return camera
        }
        points = model.points3D.mapValues(\.xyz)
        var observers: [UInt64: [Int]] = [:]
        let byID = Dictionary(uniqueKeysWithValues: images.enumerated().map { ($1.id, $0) })
        for (id, point) in model.points3D { observers[id] = Array(Set(point.track.compactMap { byID[$0.imageID] })).sorted() }
        self.observers = observers
    }

    /// Groups of the given images connected by shared 3D points (hloc's covisibility
    /// clustering), largest first; each group in the images' given order.
    func covisibilityClusters(_ retrieved: [Int]) -> [[Int]] {
        let wanted = Set(retrieved)
        var assigned = Set<Int>()
        var clusters: [[Int]] = []
        for seed in retrieved where !assigned.contains(seed) {
            var members: Set<Int> = [seed]
            assigned.insert(seed)
            var queue = [seed]
            while let image = queue.popLast() {
                for id in pointIDs[image] {
                    guard let id, let seenBy = observers[id] else { continue }
                    for other in seenBy where wanted.contains(other) && !assigned.contains(other) {
                        assigned.insert(other)
                        members.insert(other)
                        queue.append(other)
                    }
                }
            }
            clusters.append(retrieved.filter { members.contains($0) })
        }
        return clusters.enumerated().sorted { ($0.element.count, -$0.offset) > ($1.element.count, -$1.offset) }.map(\.element)
    }
}
