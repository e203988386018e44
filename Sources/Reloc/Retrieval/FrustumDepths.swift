import Formats
import Foundation
import Geometry

/// The depths at which `DatabasePairs.frustumOverlap` samples each database image's frustum:
/// where the scene is likely to be, from what the reference model knows.
///
/// - **With 3D points** (an image observing at least `minObservedPoints` of them, in front of it):
///   six quantiles (1/12, 3/12, …, 11/12) of the depths of the points it observes.
/// - **Without** (a model of poses only, as Aachen's reference is for hloc): six depths
///   log-spaced from 0.5 to 8 times the camera spacing, the median distance from a camera to its
///   nearest neighbour **at another position**. Cameras share a position when their centres are
///   closer than 2 % of the scene depth around them, the **fixation depth**: how far from the
///   camera the optical axes of its neighbourhood (itself and its 20 nearest cameras) meet. For
///   each two of them whose axes converge in front of both (axes 2–178° apart, passing within a
///   quarter of the depth of each other), the distance from this camera to the midpoint of their
///   closest approach; the median of those distances, each weighted by the baseline between the
///   two cameras (so cameras a few centimetres apart, whose axes cross a few centimetres away,
///   count for little).
///
/// Why: a panorama turned on the spot, a rig or a phone turned in place put centres centimetres
/// apart. On a real city model 5 cm between two co-located database cameras made the spacing
/// 5 cm and put every sample 2.7–43 cm in front of the lens, in front of façades 20–60 m away, so
/// the camera 10 m away that saw the same façade overlapped neither. Cameras that look at the same
/// façade from different places have axes that converge at the façade, whatever their spacing;
/// measured against that depth, the co-located cameras are one position and the spacing is the
/// 10 m to the next. Where no two cameras are that close (every synthetic preset, fountain,
/// sacre_coeur), the depths are exactly those of the plain nearest-neighbour spacing. A group of
/// more than 20 cameras at one position sees only itself in its neighbourhood: its fixation depth
/// is then its own few centimetres and it keeps the plain spacing.
enum FrustumDepths {
    /// Fewer observed points than this and an image's depths come from the poses instead.
    static let minObservedPoints = 8
    /// The neighbours whose optical axes give an image's fixation depth.
    static let fixationNeighbours = 20
    /// Cameras closer than this fraction of the fixation depth share a position.
    static let sharedPositionFraction = 0.02

    /// Sample depths (camera frame, along the optical axis) for each of `images`.
    static func depths(model: ColmapModel, images: [ColmapModel.ModelImage], centres: [Vector3]) -> [[Double]] {
        let observed = observedDepths(model: model, images: images)
        let sweep: [Double] = observed.allSatisfy({ $0.count >= minObservedPoints }) ? [] : {
            let axes = images.map { $0.camFromWorld.rotation.conjugate.rotate(Vector3(0, 0, 1)) }
            let scale = spacing(centres: centres, axes: axes)
            return (0..<6).map { 0.5 * scale * pow(16, Double($0) / 5) }
        }()
        return observed.map { depths in
            guard depths.count >= minObservedPoints else { return sweep }
            let sorted = depths.sorted()
            return (0..<6).map { sorted[min(sorted.count - 1, Int(Double(sorted.count) * Double(2 * $0 + 1) / 12))] }
        }
    }

    /// Per image, the depths of the 3D points its track elements name, in front of it.
    static func observedDepths(model: ColmapModel, images: [ColmapModel.ModelImage]) -> [[Double]] {
        guard !model.points3D.isEmpty else { return images.map { _ in [] } }
        let index = Dictionary(uniqueKeysWithValues: images.enumerated().map { ($1.id, $0) })
        var depths = [[Double]](repeating: [], count: images.count)
        for point in model.points3D.values {
            var seen = Set<Int>()
            for element in point.track {
                guard let k = index[element.imageID], seen.insert(k).inserted else { continue }
                let z = images[k].camFromWorld.apply(point.xyz).z
                if z > 0 { depths[k].append(z) }
            }
        }
        return depths
    }

    /// The median over cameras of the distance to the nearest camera at another position (see
    /// the type's description; centres closer than 1e-6 of the model's extent are the same centre);
    /// 1 when there is no other camera.
    static func spacing(centres: [Vector3], axes: [Vector3]) -> Double {
        let n = centres.count
        var extent = 0.0
        for c in centres { extent = max(extent, norm(c - centres[0])) }
        var nearest: [Double] = []
        for a in 0..<n {
            let shared = max(1e-6 * extent, sharedPositionFraction * (fixationDepth(of: a, centres: centres, axes: axes) ?? 0))
            var best = Double.infinity, farthest = 0.0
            for b in 0..<n where b != a {
                let d = norm(centres[a] - centres[b])
                guard d > 1e-6 * extent else { continue }
                if d > shared { best = min(best, d) }
                farthest = max(farthest, d)
            }
            // Every other camera at this position: the farthest of them.
            if best.isFinite { nearest.append(best) } else if farthest > 0 { nearest.append(farthest) }
        }
        return max(weightedMedian(nearest.map { ($0, 1) }) ?? 1, 1e-9)
    }

    /// How far from camera `a` the optical axes of its neighbourhood meet (see the type's
    /// description), nil when no two of them converge.
    static func fixationDepth(of a: Int, centres: [Vector3], axes: [Vector3]) -> Double? {
        // The camera and its nearest `fixationNeighbours` (distance, then index), kept sorted while scanning.
        var nearest: [(distance: Double, index: Int)] = []
        for b in centres.indices where b != a {
            let d = norm(centres[b] - centres[a])
            guard d > 0, nearest.count < fixationNeighbours || d < nearest[nearest.count - 1].distance else { continue }
            if nearest.count == fixationNeighbours { nearest.removeLast() }
            nearest.insert((d, b), at: nearest.firstIndex { $0.distance > d } ?? nearest.count)
        }
        let group = [a] + nearest.map(\.index)
        let minSine = sin(2 * Double.pi / 180)
        var estimates: [(depth: Double, weight: Double)] = []
        for i in 0..<group.count {
            for j in (i + 1)..<group.count {
                let (b, c) = (group[i], group[j])
                // Closest approach of c_b + t·u and c_c + s·v (unit u, v).
                let u = axes[b], v = axes[c], w0 = centres[b] - centres[c]
                let cosine = dot(u, v), denominator = 1 - cosine * cosine
                guard denominator > minSine * minSine else { continue }
                let d = dot(u, w0), e = dot(v, w0)
                let t = (cosine * e - d) / denominator, s = (e - cosine * d) / denominator
                guard t > 0, s > 0 else { continue }
                let onB = centres[b] + t * u, onC = centres[c] + s * v
                guard norm(onB - onC) <= 0.25 * min(t, s) else { continue }
                estimates.append((norm(0.5 * (onB + onC) - centres[a]), norm(w0)))
            }
        }
        return weightedMedian(estimates)
    }

    /// The value at which the cumulative weight (values sorted) first reaches half the total;
    /// with equal weights, the upper median. Nil when empty.
    static func weightedMedian(_ values: [(Double, Double)]) -> Double? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted { $0.0 < $1.0 }
        let total = sorted.reduce(0) { $0 + $1.1 }
        var cumulative = 0.0
        for (value, weight) in sorted {
            cumulative += weight
            if cumulative > total / 2 { return value }
        }
        return sorted[sorted.count - 1].0
    }
}
