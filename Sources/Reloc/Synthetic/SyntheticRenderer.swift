import Dispatch
import Features
import Geometry

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How a synthetic image is lit and exposed.
public struct SyntheticLighting: Sendable {
    public enum Kind: Sendable {
        /// Sunlight from `sunDirection` (unit, pointing towards the sun) plus sky light.
        case day(sunDirection: Vector3)
        /// Low ambient light, street lamps (point lights with 1/d² falloff) and lit windows.
        case night
    }

    public var kind: Kind
    /// Multiplies linear radiance before the camera response curve.
    public var exposure: Double
    /// Standard deviation of sensor noise (linear units, signal-dependent part added on top).
    public var noise: Double
    /// Camera translation during the exposure (motion blur), world metres.
    public var motion: Vector3
    /// RGB colour cast multiplied into the image (e.g. sodium-lamp orange at night).
    public var colorCast: Color

    public init(kind: Kind, exposure: Double, noise: Double = 0, motion: Vector3 = .zero, colorCast: Color = Color(1, 1, 1)) {
        self.kind = kind; self.exposure = exposure; self.noise = noise; self.motion = motion; self.colorCast = colorCast
    }
}

/// Renders the synthetic scene by ray casting: `samplesPerAxis²` jittered samples per pixel
/// (anti-aliasing; each sample also gets its own instant for motion blur), shading in linear
/// light, then exposure, sensor noise, a filmic camera response and sRGB-like encoding.
///
/// Rays go through the camera model exactly as the pixels are defined: sample (x, y) in
/// COLMAP pixel coordinates (top-left pixel centre at (0.5, 0.5)) is unprojected with
/// `Camera.normalizedFromImage`, so distortion is rendered into the image. Rows render in
/// parallel; each pixel's randomness is a hash of (seed, pixel), so the output does not
/// depend on scheduling.
public struct SyntheticRenderer: Sendable {
    public var scene: SyntheticScene
    public var samplesPerAxis: Int

    public init(scene: SyntheticScene, samplesPerAxis: Int = 2) {
        self.scene = scene
        self.samplesPerAxis = samplesPerAxis
    }

    /// Renders an RGB image. - Parameter seed: drives noise and sample jitter.
    public func render(camera: Camera, camFromWorld: Rigid3, lighting: SyntheticLighting, seed: Int) -> Image8 {
        let width = camera.width, height = camera.height
        let pixels = SharedBuffer<UInt8>(count: width * height * 3, initialValue: 0)
        let worldFromCam = camFromWorld.inverse
        let rotation = worldFromCam.rotation.matrix
        let centre = worldFromCam.translation
        DispatchQueue.concurrentPerform(iterations: height) { row in
            let n = samplesPerAxis
            for column in 0..<width {
                var sum = Color.zero
                for a in 0..<n {
                    for b in 0..<n {
                        let k = a * n + b
                        let jitterX = (Double(b) + 0.25 + 0.5 * Hash.unit(seed, row, column, k)) / Double(n)
                        let jitterY = (Double(a) + 0.25 + 0.5 * Hash.unit(seed, column, row, k + 101)) / Double(n)
                        let pixel = Vector2(Double(column) + jitterX, Double(row) + jitterY)
                        let uv = camera.normalizedFromImage(pixel)
                        let direction = normalized(rotation * Vector3(uv.x, uv.y, 1))
                        let time = (Double(k) + 0.5) / Double(n * n) - 0.5
                        sum += radiance(origin: centre + lighting.motion * time, direction: direction, lighting: lighting)
                    }
                }
                var value = sum / Double(n * n) * lighting.exposure * lighting.colorCast
                if lighting.noise > 0 {
                    // Shot noise (∝ √signal) and read noise, independent per channel.
                    for c in 0..<3 {
                        let g = approximateGaussian(Hash.mix(seed, row, column, 1000 + c))
                        value[c] += g * lighting.noise * (0.4 + (max(value[c], 0)).squareRoot())
                    }
                }
                let base = (row * width + column) * 3
                for c in 0..<3 { pixels.store(base + c, encode(value[c])) }
            }
        }
        return Image8(width: width, height: height, channels: 3, pixels: pixels.array())
    }

    /// Linear radiance along a ray.
    func radiance(origin: Vector3, direction: Vector3, lighting: SyntheticLighting) -> Color {
        guard let hit = scene.intersect(origin: origin, direction: direction) else { return sky(direction, lighting) }
        let albedo = hit.sample.albedo
        switch lighting.kind {
        case .day(let sun):
            var light = Color(0.22, 0.25, 0.32)  // sky light
            let facing = dot(hit.normal, sun)
            if facing > 0 {
                let shadowed = scene.occluded(origin: hit.point + hit.normal * 1e-4, direction: sun)
                if !shadowed { light += Color(1.0, 0.95, 0.85) * (1.7 * facing) }
            }
            return albedo * light + hit.sample.emission
        case .night:
            var light = Color(0.012, 0.014, 0.022)  // moonlight
            for lamp in scene.lamps {
                let toLamp = lamp - hit.point
                let d2 = dot(toLamp, toLamp)
                let facing = dot(hit.normal, toLamp) / d2.squareRoot()
                if facing > 0 { light += Color(1.0, 0.72, 0.42) * (6 * facing / (d2 + 1)) }
            }
            var emitted = hit.sample.emission
            if hit.sample.windowLight > 0 { emitted += Color(1.0, 0.78, 0.5) * 0.6 }
            return albedo * light + emitted
        }
    }

    func sky(_ d: Vector3, _ lighting: SyntheticLighting) -> Color {
        let up = max(0, -d.y)
        switch lighting.kind {
        case .day:
            let clouds = Noise.fractal(d.x / max(up, 0.05) * 2, d.z / max(up, 0.05) * 2, seed: 77)
            let blue = Color(0.75, 0.82, 0.95) * (1 - up) + Color(0.35, 0.5, 0.85) * up
            return (blue * (1 - 0.5 * clouds) + Color(0.9, 0.9, 0.9) * 0.5 * clouds) * 1.6
        case .night:
            return Color(0.006, 0.008, 0.016) * (1 + up)
        }
    }

    /// Filmic camera response then sRGB-like gamma, to 8 bits (the gamma through a table).
    @inline(__always)
    func encode(_ linear: Double) -> UInt8 {
        let x = max(0, linear)
        let toned = min(x * (1 + x / 4) / (1 + x), 1)  // soft shoulder
        return SyntheticRenderer.gammaTable[Int(toned * Double(SyntheticRenderer.gammaTable.count - 1) + 0.5)]
    }

    /// `round(255 · v^(1/2.2))` for v in [0, 1] at 1/8191 steps.
    static let gammaTable: [UInt8] = (0..<8192).map { k in
        UInt8(max(0, min(255, (pow(Double(k) / 8191, 1 / 2.2) * 255).rounded())))
    }

    /// A unit-variance, zero-mean sample from the sum of four 16-bit uniforms (Irwin–Hall):
    /// close enough to Gaussian for sensor noise, and far cheaper than Box–Muller.
    @inline(__always)
    func approximateGaussian(_ bits: UInt64) -> Double {
        let sum = Double(bits & 0xFFFF) + Double((bits >> 16) & 0xFFFF) + Double((bits >> 32) & 0xFFFF) + Double(bits >> 48)
        return (sum / 65536 - 2) * 3.0.squareRoot()
    }
}

