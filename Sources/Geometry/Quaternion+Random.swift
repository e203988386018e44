#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension Quaternion {
    /// A uniformly distributed random rotation (Shoemake, "Uniform random rotations", Graphics
    /// Gems III, 1992): unit up to rounding, not renormalized.
    public static func random(using rng: inout SeededGenerator) -> Quaternion {
        let (u1, u2, u3) = (rng.nextUnit(), rng.nextUnit(), rng.nextUnit())
        let a = (1 - u1).squareRoot(), b = u1.squareRoot()
        return Quaternion(w: a * sin(2 * .pi * u2), x: a * cos(2 * .pi * u2), y: b * sin(2 * .pi * u3), z: b * cos(2 * .pi * u3))
    }
}
