import Formats
import Foundation
import Geometry

/// The map as localization (and the report's match figures) read it: images by name, each
/// keypoint's 3D point, points, and which images observe each point.
///
/// The links and tracks are flat columns (`MapColumns`): points are numbered densely in the
/// order of their ids, each image's keypoints are a run of point numbers (-1: not triangulated),
/// each point's observers a run of image indices. Read from a COLMAP model they are in memory;
/// `reloc serve` reads them in place from a `serve-map.rlss` file (`MapIndex+File`).
struct MapIndex: Sendable {
    let images: [ColmapModel.ModelImage]
    let index: [String: Int]
    let columns: MapColumns
    /// For each image, its 2D points' pixels (only with `keepPixels`, for drawing) and its camera.
    let imagePixels: [[Vector2]]
    let cameras: [Camera]

    init(folder: String, keepPixels: Bool = false) throws {
        let model = try ColmapModel.read(folder: folder)
        try self.init(model: model, folder: folder, keepPixels: keepPixels)
    }

    /// - Parameter folder: where the model was read from (named in errors).
    init(model: ColmapModel, folder: String, keepPixels: Bool = false) throws {
        let sorted = model.sortedImages
        guard !sorted.isEmpty else { throw RelocError.file(file: folder, message: "the model has no images") }
        let cameras = try sorted.map { image in
            guard let camera = model.cameras[image.cameraID] else {
                throw RelocError.file(file: folder, message: "image '\(image.name)' has no camera \(image.cameraID)")
            }
            return camera
        }
        self.init(images: sorted.map { var image = $0; image.points2D = []; return image }, cameras: cameras,
                  columns: MapColumns(model: model, sortedImages: sorted),
                  imagePixels: keepPixels ? sorted.map { $0.points2D.map(\.xy) } : [])
    }

    init(images: [ColmapModel.ModelImage], cameras: [Camera], columns: MapColumns, imagePixels: [[Vector2]] = []) {
        self.images = images
        self.cameras = cameras
        self.columns = columns
        self.imagePixels = imagePixels
        index = Dictionary(images.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { a, _ in a })
    }

    var pointCount: Int { columns.pointIDs.count }

    /// Image `image`'s keypoints in the model (triangulated or not).
    func keypointCount(_ image: Int) -> Int { Int(columns.keypointOffsets[image + 1] - columns.keypointOffsets[image]) }

    /// The point (its dense number) that keypoint `keypoint` of image `image` observes; nil: none.
    /// The keypoint must be below `keypointCount(image)`.
    @inline(__always)
    func point(image: Int, keypoint: Int) -> Int? {
        let p = columns.keypointPoints[Int(columns.keypointOffsets[image]) + keypoint]
        return p >= 0 ? Int(p) : nil
    }

    /// Point `point`'s COLMAP id and position.
    @inline(__always) func pointID(_ point: Int) -> UInt64 { columns.pointIDs[point] }
    @inline(__always) func position(_ point: Int) -> Vector3 {
        Vector3(columns.pointXYZ[3 * point], columns.pointXYZ[3 * point + 1], columns.pointXYZ[3 * point + 2])
    }

    /// The images (indices, ascending, each once) that observe point `point`.
    func observers(_ point: Int) -> UnsafeBufferPointer<UInt32> {
        let start = Int(columns.observerOffsets[point]), end = Int(columns.observerOffsets[point + 1])
        return UnsafeBufferPointer(rebasing: columns.observerImages[start..<end])
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
                for k in 0..<keypointCount(image) {
                    guard let p = point(image: image, keypoint: k) else { continue }
                    for observer in observers(p) {
                        let other = Int(observer)
                        guard wanted.contains(other) && !assigned.contains(other) else { continue }
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

/// A map's links and tracks as flat columns, in memory (made from a model) or in place in a
/// mapped file; immutable.
final class MapColumns: @unchecked Sendable {
    /// Per image, where its keypoints' run starts in `keypointPoints` (images + 1 values).
    let keypointOffsets: UnsafeBufferPointer<Int64>
    /// Each keypoint's point number, -1 when it observes none.
    let keypointPoints: UnsafeBufferPointer<Int32>
    /// Per point (ascending ids), its COLMAP id and x, y, z.
    let pointIDs: UnsafeBufferPointer<UInt64>
    let pointXYZ: UnsafeBufferPointer<Double>
    /// Per point, where its observers' run starts in `observerImages` (points + 1 values).
    let observerOffsets: UnsafeBufferPointer<Int64>
    let observerImages: UnsafeBufferPointer<UInt32>
    /// What keeps the columns alive: the mapped file, or nil for memory this object allocated.
    private let file: ServeSectionFile?

    /// In place in `file` (the caller has checked the columns' lengths agree).
    init(file: ServeSectionFile, keypointOffsets: UnsafeBufferPointer<Int64>, keypointPoints: UnsafeBufferPointer<Int32>,
         pointIDs: UnsafeBufferPointer<UInt64>, pointXYZ: UnsafeBufferPointer<Double>,
         observerOffsets: UnsafeBufferPointer<Int64>, observerImages: UnsafeBufferPointer<UInt32>) {
        self.file = file
        self.keypointOffsets = keypointOffsets; self.keypointPoints = keypointPoints
        self.pointIDs = pointIDs; self.pointXYZ = pointXYZ
        self.observerOffsets = observerOffsets; self.observerImages = observerImages
    }

    /// From a model; `sortedImages` its images in the map's order.
    convenience init(model: ColmapModel, sortedImages: [ColmapModel.ModelImage]) {
        let ids = model.points3D.keys.sorted()
        let number = Dictionary(uniqueKeysWithValues: ids.enumerated().map { ($1, Int32($0)) })
        var keypointOffsets: [Int64] = [0]
        var keypointPoints: [Int32] = []
        keypointPoints.reserveCapacity(sortedImages.reduce(0) { $0 + $1.points2D.count })
        for image in sortedImages {
            for p in image.points2D { keypointPoints.append(p.point3DID.flatMap { number[$0] } ?? -1) }
            keypointOffsets.append(Int64(keypointPoints.count))
        }
        var xyz: [Double] = []
        xyz.reserveCapacity(3 * ids.count)
        let imageIndex = Dictionary(uniqueKeysWithValues: sortedImages.enumerated().map { ($1.id, UInt32($0)) })
        var observerOffsets: [Int64] = [0]
        var observerImages: [UInt32] = []
        for id in ids {
            let point = model.points3D[id]!
            xyz += [point.xyz.x, point.xyz.y, point.xyz.z]
            observerImages += Set(point.track.compactMap { imageIndex[$0.imageID] }).sorted()
            observerOffsets.append(Int64(observerImages.count))
        }
        self.init(keypointOffsets: keypointOffsets, keypointPoints: keypointPoints, pointIDs: ids, pointXYZ: xyz,
                  observerOffsets: observerOffsets, observerImages: observerImages)
    }

    /// Copies of the given columns.
    init(keypointOffsets: [Int64], keypointPoints: [Int32], pointIDs: [UInt64], pointXYZ: [Double],
         observerOffsets: [Int64], observerImages: [UInt32]) {
        func copy<T>(_ values: [T]) -> UnsafeBufferPointer<T> {
            let buffer = UnsafeMutableBufferPointer<T>.allocate(capacity: values.count)
            _ = buffer.initialize(from: values)
            return UnsafeBufferPointer(buffer)
        }
        file = nil
        self.keypointOffsets = copy(keypointOffsets); self.keypointPoints = copy(keypointPoints)
        self.pointIDs = copy(pointIDs); self.pointXYZ = copy(pointXYZ)
        self.observerOffsets = copy(observerOffsets); self.observerImages = copy(observerImages)
    }

    deinit {
        guard file == nil else { return }
        for buffer in [UnsafeRawBufferPointer(keypointOffsets), UnsafeRawBufferPointer(keypointPoints), UnsafeRawBufferPointer(pointIDs),
                       UnsafeRawBufferPointer(pointXYZ), UnsafeRawBufferPointer(observerOffsets), UnsafeRawBufferPointer(observerImages)] {
            UnsafeMutableRawPointer(mutating: buffer.baseAddress)?.deallocate()
        }
    }
}
