import Foundation
import Geometry

extension ColmapModel {
    /// Whether the images are gravity-aligned, as far as the poses can tell: each image's down
    /// direction (its camera's y axis, in world coordinates) is compared with their mean, and the
    /// set counts as upright when at least 90 % of them lie within `maxAngleDegrees` of it — no
    /// image turned sideways or upside down beyond a few. Localization sets are (Aachen keeps its
    /// images under `images_upright/`); upright SIFT (orientation 0) is then more distinctive
    /// than rotation-invariant SIFT, and learned features like SuperPoint assume it anyway. The
    /// spreads of the sets reloc is tested on are in docs/stages.md. False with fewer than two images.
    public func imagesLookUpright(maxAngleDegrees: Double = 30) -> Bool {
        let downs = images.values.map { $0.camFromWorld.rotation.conjugate.rotate(Vector3(0, 1, 0)) }
        guard downs.count >= 2 else { return false }
        let sum = downs.reduce(Vector3(0, 0, 0), +)
        let length = (sum * sum).sum().squareRoot()
        guard length > 0 else { return false }
        let mean = sum / length
        let limit = cos(maxAngleDegrees * .pi / 180)
        let within = downs.filter { ($0 * mean).sum() >= limit }.count
        return Double(within) >= 0.9 * Double(downs.count)
    }
}
