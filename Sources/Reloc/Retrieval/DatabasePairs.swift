import Formats
import Foundation
import Geometry

/// Database–database pairs for building the map from a reference model.
public enum DatabasePairs {
    /// Each image with the `topK` images sharing most 3D points with it (COLMAP's covisibility),
    /// most first; each unordered pair once, in the order first met.
    public static func covisibility(model: ColmapModel, topK: Int) -> [ImagePair] {
        var shared: [UInt32: [UInt32: Int]] = [:]
        for point in model.points3D.values {
            let ids = Array(Set(point.track.map(\.imageID))).sorted()
            for a in 0..<ids.count {
                for b in (a + 1)..<ids.count {
                    shared[ids[a], default: [:]][ids[b], default: 0] += 1
                    shared[ids[b], default: [:]][ids[a], default: 0] += 1
                }
            }
        }
        let images = model.sortedImages
        var ranked: [(String, [String])] = []
        for image in images {
            let others = (shared[image.id] ?? [:]).sorted { ($0.value, $1.key) > ($1.value, $0.key) }
            ranked.append((image.name, others.prefix(topK).compactMap { model.images[$0.key]?.name }))
        }
        return unordered(ranked)
    }

    /// Each image with the `topK` images whose viewing frusta overlap most, from the known poses
    /// (for reference models without points, and for `--retrieval frustum`). Rays through an 8×6
    /// grid of pixels are sampled at six depths per image where its scene is likely to be
    /// (`FrustumDepths`: the depths of the points it observes when the model has them, else a
    /// sweep from the spacing of the camera positions, cameras that share a position, measured
    /// against the depth where the optical axes converge, counted as one); the overlap of A and B
    /// is the mean of the fractions of A's samples seen by B and of B's seen by A. Cameras that
    /// share a position overlap at every depth, so they pair with each other; each also pairs with
    /// the cameras that see the same part of the scene.
    /// Pairs with overlap below `minOverlap` are left out.
    /// Above 300 images only the 10·topK nearest camera centres are tested.
    public static func frustumOverlap(model: ColmapModel, topK: Int, minOverlap: Double = 0.05) -> [ImagePair] {
        let images = model.sortedImages.filter { model.cameras[$0.cameraID] != nil }
        let n = images.count
        guard n >= 2 else { return [] }
        let centres = images.map(\.camFromWorld.cameraCenter)
        let depths = FrustumDepths.depths(model: model, images: images, centres: centres)
        let samples: [[Vector3]] = images.indices.map { k in
            let image = images[k]
            let camera = model.cameras[image.cameraID]!
            let worldFromCam = image.camFromWorld.inverse
            var points: [Vector3] = []
            for gy in 0..<6 {
                for gx in 0..<8 {
                    let pixel = Vector2((Double(gx) + 0.5) / 8 * Double(camera.width), (Double(gy) + 0.5) / 6 * Double(camera.height))
                    let ray = camera.bearing(forPixel: pixel)
                    for depth in depths[k] { points.append(worldFromCam.apply(ray * (depth / ray.z))) }
                }
            }
            return points
        }
        func seen(_ points: [Vector3], by b: Int) -> Double {
            let camera = model.cameras[images[b].cameraID]!
            var count = 0
            for point in points {
                if let pixel = camera.imageFromCamera(images[b].camFromWorld.apply(point)),
                   pixel.x >= 0, pixel.y >= 0, pixel.x <= Double(camera.width), pixel.y <= Double(camera.height) { count += 1 }
            }
            return Double(count) / Double(points.count)
        }
        var ranked: [(String, [String])] = []
        for a in 0..<n {
            var candidates = Array(0..<n).filter { $0 != a }
            if n > 300 {
                candidates.sort { norm(centres[$0] - centres[a]) < norm(centres[$1] - centres[a]) }
                candidates = Array(candidates.prefix(10 * topK))
            }
            var scored: [(index: Int, overlap: Double)] = []
            for b in candidates {
                let overlap = (seen(samples[a], by: b) + seen(samples[b], by: a)) / 2
                if overlap >= minOverlap { scored.append((b, overlap)) }
            }
            scored.sort { ($0.overlap, $1.index) > ($1.overlap, $0.index) }
            ranked.append((images[a].name, scored.prefix(topK).map { images[$0.index].name }))
        }
        return unordered(ranked)
    }

    /// Flattens ranked lists into pairs, each unordered pair once.
    static func unordered(_ ranked: [(String, [String])]) -> [ImagePair] {
        var seen = Set<String>()
        var pairs: [ImagePair] = []
        for (name, others) in ranked {
            for other in others where other != name {
                let key = name < other ? "\(name)\u{0}\(other)" : "\(other)\u{0}\(name)"
                if seen.insert(key).inserted { pairs.append(ImagePair(name, other)) }
            }
        }
        return pairs
    }
}
