import Formats

/// The keypoints of each image of a triangulated map that observe one of its 3D points: the only
/// ones through which a query's match becomes a 2D-3D correspondence (`LocalizeTask`). Matching
/// a query against these alone (`reloc pipeline --match-to-points`, `reloc match --points-model`)
/// gives the same kind of correspondences for a fraction of the distance computations: a
/// synthetic XFeat map triangulates about 700 of each image's 4,096 keypoints.
struct PointKeypoints: Sendable {
    /// Keypoint indices with a 3D point, ascending, by image name.
    let byImage: [String: [Int]]
    /// Each image's 2D points in the model: its features' keypoint count when the map was
    /// triangulated from them (`TriangulateTask` lists every keypoint).
    let keypointCounts: [String: Int]
    /// The model folder, named in errors.
    let folder: String

    /// - Throws: what `ColmapModel.read` throws for an unreadable model.
    init(modelFolder: String) throws {
        let model = try ColmapModel.read(folder: modelFolder)
        var byImage: [String: [Int]] = [:], counts: [String: Int] = [:]
        for image in model.images.values {
            byImage[image.name] = image.points2D.indices.filter { image.points2D[$0].point3DID != nil }
            counts[image.name] = image.points2D.count
        }
        self.byImage = byImage; keypointCounts = counts; folder = modelFolder
    }

    init(byImage: [String: [Int]], keypointCounts: [String: Int], folder: String) {
        self.byImage = byImage; self.keypointCounts = keypointCounts; self.folder = folder
    }

    /// The keypoints of `name` with a 3D point; nil when the model does not hold the image.
    /// - Throws: `RelocError.file` naming the model when its 2D points are not the image's
    ///   `keypointCount` keypoints (a map triangulated from other features).
    func keypoints(of name: String, keypointCount: Int, featuresFile: String) throws -> [Int]? {
        guard let indices = byImage[name] else { return nil }
        let count = keypointCounts[name] ?? 0
        guard count == keypointCount else {
            throw RelocError.file(file: folder, message: "image '\(name)' has \(count) 2D points but \(keypointCount) keypoints in \(featuresFile): the map was not triangulated from these features")
        }
        return indices
    }
}

extension PairMatcher {
    /// `match(a, b)` with `b` reduced to the keypoints `only` (indices into `b`, ascending): the
    /// matches are those of `a` against that subset, given in `b`'s own numbering.
    func match(_ a: ImageFeatures, _ b: ImageFeatures, only: [Int]) -> (matches0: [Int32], scores0: [Float]) {
        guard !only.isEmpty else { return ([Int32](repeating: -1, count: a.count), [Float](repeating: 0, count: a.count)) }
        var result = match(a, b.subset(only), guide: nil)
        for i in result.matches0.indices where result.matches0[i] >= 0 { result.matches0[i] = Int32(only[Int(result.matches0[i])]) }
        return result
    }
}
