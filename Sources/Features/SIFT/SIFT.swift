import Dispatch
import Foundation

/// Options of SIFT extraction (OpenCV's defaults unless said otherwise).
public struct SIFTOptions: Equatable, Sendable {
    /// Keep the strongest N keypoints by DoG response (0: all).
    public var maxKeypoints: Int = 8192
    /// Scales per octave.
    public var octaveLayers: Int = 3
    /// DoG contrast threshold (OpenCV 0.04), on intensities in [0, 1].
    public var contrastThreshold: Double = 0.04
    /// Edge rejection: principal-curvature ratio r (OpenCV 10).
    public var edgeThreshold: Double = 10
    /// Blur of the first scale of each octave.
    public var sigma: Double = 1.6
    /// Double the image before the first octave (finds small features; 4× the work there).
    public var upsample: Bool = false
    /// One orientation of 0 for every keypoint instead of the dominant gradient directions.
    public var upright: Bool = false
    /// RootSIFT (Arandjelović & Zisserman 2012): L1-normalize, then square root.
    public var rootSIFT: Bool = false
    /// A floor on the keypoint locations per image: when fewer than this many pass
    /// `contrastThreshold`, the threshold is lowered for that image (not below
    /// `lowestContrastThreshold`) and the strongest this many are kept — texture-poor and dark
    /// images otherwise give a few hundred. 0: off, OpenCV's behaviour.
    public var minimumKeypoints: Int = 0
    /// How far `minimumKeypoints` may lower the contrast threshold.
    public var lowestContrastThreshold: Double = 0.01
    /// Stretch intensities linearly so that the 1st and 99th percentiles become 0 and 255 before
    /// detection: the contrast threshold is absolute, so dark (night) images otherwise yield few
    /// keypoints.
    public var normalizeContrast: Bool = false

    public init() {}

    public func validate() throws {
        guard maxKeypoints >= 0, octaveLayers >= 1, contrastThreshold >= 0, edgeThreshold > 0, sigma > 0,
              minimumKeypoints >= 0, lowestContrastThreshold >= 0 else {
            throw FeaturesError.invalidOption("SIFT options out of range: \(self)")
        }
    }
}

/// SIFT keypoints and descriptors of one image.
public struct SIFTFeatures: Sendable {
    /// Positions in the input image's pixels, COLMAP convention (top-left pixel centre at (0.5, 0.5)).
    public var keypoints: [SIMD2<Float>]
    /// Scale σ of each keypoint in input pixels (the blur at which it was detected).
    public var scales: [Float]
    /// Orientation of the dominant gradient in radians, in [0, 2π), counter-clockwise as seen
    /// on screen (y up). OpenCV's `KeyPoint.angle` is 360° minus this, in degrees.
    public var orientations: [Float]
    /// |DoG| response after sub-pixel refinement (intensities in [0, 1]).
    public var responses: [Float]
    /// 128 floats per keypoint, unit L2 norm (SIFT) or RootSIFT.
    public var descriptors: [Float]

    /// Keypoint locations (before orientations) that passed the nominal contrast threshold;
    /// below `SIFTOptions.minimumKeypoints` when the floor lowered it for this image.
    public var locationsAboveThreshold = 0

    public var count: Int { keypoints.count }
    public static let dimension = 128
}

/// SIFT after Lowe (IJCV 2004), following OpenCV's implementation choices: Gaussian scale
/// space with `octaveLayers + 3` images per octave (σ 1.6, each octave starting from the
/// previous one's image at 2σ, subsampled), DoG extrema over 26 neighbours, up to 5 steps of
/// sub-pixel/sub-scale quadratic refinement, contrast (|D| · layers < threshold) and edge
/// (tr²/det < (r+1)²/r) rejection, a 36-bin orientation histogram (radius 4.5σ, Gaussian
/// weight 1.5σ, smoothed, extra orientations above 0.8 of the peak, parabolic peak
/// interpolation), and the 4×4×8 descriptor with trilinear interpolation over a 3σ-wide
/// grid, Gaussian weighting, 0.2 clipping and renormalization.
public enum SIFT {
    static let border = 5

    /// Extracts SIFT features from a gray image with intensities in 0…255.
    public static func extract(_ image: GrayImage, options: SIFTOptions = SIFTOptions()) -> SIFTFeatures {
        // Work in [0, 1] intensities: OpenCV's thresholds divided by 255.
        var (low, high): (Float, Float) = (0, 255)
        if options.normalizeContrast { (low, high) = percentiles(image.pixels, 0.01, 0.99) }
        let range = max(high - low, 1)
        var base = GrayImage(width: image.width, height: image.height,
                             pixels: image.pixels.map { min(max(($0 - low) / range, 0), 1) })
        var baseScale = 1.0  // base pixels per input pixel
        if options.upsample {
            base = upsampleTwice(base)
            baseScale = 2
        }
        let inputBlur = 0.5 * baseScale
        base = GaussianBlur.apply(base, sigma: max(sqrt(max(options.sigma * options.sigma - inputBlur * inputBlur, 0.01)), 0.1))
        let octaves = max(1, Int((log2(Double(min(base.width, base.height)))).rounded()) - 2)
        let layers = options.octaveLayers
        let pyramid = gaussianPyramid(base, octaves: octaves, layers: layers, sigma: options.sigma)

        // Detected down to the lowest threshold the keypoint floor may need; `selectLocations`
        // keeps those above the nominal one unless too few are.
        let detectionThreshold = options.minimumKeypoints > 0
            ? min(options.contrastThreshold, options.lowestContrastThreshold) : options.contrastThreshold
        var located: [Candidate] = []
        for octave in 0..<pyramid.count {
            let gauss = pyramid[octave]
            guard gauss[0].width > 2 * border + 2, gauss[0].height > 2 * border + 2 else { break }
            let dog = differenceOfGaussians(gauss)
            located += findExtrema(dog: dog, octave: octave, contrastThreshold: detectionThreshold, options: options)
        }
        let (locations, aboveThreshold) = selectLocations(located, options: options)
        var candidates = orient(locations, pyramid: pyramid, options: options)
        candidates.sort(by: isStronger)
        candidates = removingDuplicates(candidates)
        if options.maxKeypoints > 0 && candidates.count > options.maxKeypoints {
            candidates.removeLast(candidates.count - options.maxKeypoints)
        }
        var features = SIFTFeatures(keypoints: [], scales: [], orientations: [], responses: [], descriptors: [])
        features.locationsAboveThreshold = aboveThreshold
        let descriptors = FloatBuffer(uninitializedCount: candidates.count * 128)  // each keypoint writes its 128
        let selected = candidates
        // Described in image order (level, then row) rather than by strength: neighbouring
        // keypoints share most of their window, which then is still in the cache.
        let order = selected.indices.sorted { a, b in
            let p = selected[a], q = selected[b]
            if p.octave != q.octave { return p.octave < q.octave }
            if p.layer != q.layer { return p.layer < q.layer }
            if p.y != q.y { return p.y < q.y }
            return a < b
        }
        DispatchQueue.concurrentPerform(iterations: order.count) { position in
            let k = order[position]
            let c = selected[k]
            let descriptor = describe(c, image: pyramid[c.octave][c.layer], rootSIFT: options.rootSIFT)
            for t in 0..<128 { descriptors.store(k * 128 + t, descriptor[t]) }
        }
        features.descriptors = descriptors.array()
        for c in candidates {
            let factor = Double(1 << c.octave) / baseScale
            // Octave pixel index x ↦ base pixel index x·2^o; base index ↦ input: (i + 0.5)/scale.
            features.keypoints.append(SIMD2(Float((c.x * Double(1 << c.octave) + 0.5) / baseScale),
                                            Float((c.y * Double(1 << c.octave) + 0.5) / baseScale)))
            features.scales.append(Float(c.sigma * factor))
            features.orientations.append(Float(c.angle))
            features.responses.append(Float(c.response))
        }
        return features
    }

    /// The candidates without exact repeats (same octave, position, scale and angle), as OpenCV
    /// drops them before keeping the strongest: two neighbouring DoG samples whose refinement
    /// converges to the same extremum give the same keypoint twice (1–3 % of them on graf).
    /// `sorted` is in `extract`'s order, so repeats sit in one run of equal (response, octave, y, x).
    static func removingDuplicates(_ sorted: [Candidate]) -> [Candidate] {
        var kept: [Candidate] = []
        kept.reserveCapacity(sorted.count)
        var runStart = 0  // first index in `kept` of the current run
        for c in sorted {
            if let last = kept.last, last.response == c.response, last.octave == c.octave, last.y == c.y, last.x == c.x {
                if kept[runStart...].contains(where: { $0.sigma == c.sigma && $0.angle == c.angle }) { continue }
            } else {
                runStart = kept.count
            }
            kept.append(c)
        }
        return kept
    }

    /// `gauss[i + 1] − gauss[i]` for each pair of neighbouring scales, rows in parallel.
    static func differenceOfGaussians(_ gauss: [GrayImage]) -> [GrayImage] {
        let w = gauss[0].width, h = gauss[0].height
        return (0..<(gauss.count - 1)).map { i in
            let pixels = [Float](unsafeUninitializedCapacity: w * h) { storage, initialized in
                let target = SharedPointer(storage.baseAddress!)
                let (upper, lower) = (gauss[i + 1], gauss[i])
                let chunk = 64
                DispatchQueue.concurrentPerform(iterations: (h + chunk - 1) / chunk) { block in
                    upper.pixels.withUnsafeBufferPointer { upper in
                    lower.pixels.withUnsafeBufferPointer { lower in
                        for k in (block * chunk * w)..<(min(h, block * chunk + chunk) * w) {
                            target.base[k] = upper[k] - lower[k]
                        }
                    }
                    }
                }
                initialized = w * h
            }
            return GrayImage(width: w, height: h, pixels: pixels)
        }
    }

    /// A detected keypoint in its octave's pixel indices.
    struct Candidate {
        var octave: Int
        var layer: Int
        var x: Double
        var y: Double
        /// σ in octave pixels.
        var sigma: Double
        var response: Double
        /// Radians.
        var angle: Double
    }

    /// Two percentiles of the intensities (by a 256-bin histogram over 0…255).
    static func percentiles(_ pixels: [Float], _ a: Double, _ b: Double) -> (Float, Float) {
        var histogram = [Int](repeating: 0, count: 256)
        for v in pixels { histogram[Int(min(max(v, 0), 255))] += 1 }
        func at(_ q: Double) -> Float {
            let target = Int(q * Double(pixels.count))
            var sum = 0
            for (bin, count) in histogram.enumerated() {
                sum += count
                if sum > target { return Float(bin) }
            }
            return 255
        }
        return (at(a), at(b))
    }

    static func upsampleTwice(_ image: GrayImage) -> GrayImage {
        // Bilinear with pixel-centre alignment: output index i samples input (i + 0.5)/2 − 0.5.
        let w = image.width * 2, h = image.height * 2
        let columns = (0..<w).map { upsamplingTaps($0, image.width) }
        let out = [Float](unsafeUninitializedCapacity: w * h) { storage, initialized in
            let target = SharedPointer(storage.baseAddress!)
            DispatchQueue.concurrentPerform(iterations: h) { y in
                let (y0, y1, fy) = upsamplingTaps(y, image.height)
                let row = target.base + y * w
                image.pixels.withUnsafeBufferPointer { source in
                columns.withUnsafeBufferPointer { columns in
                    let top = source.baseAddress! + y0 * image.width, bottom = source.baseAddress! + y1 * image.width
                    for x in 0..<w {
                        let (x0, x1, fx) = columns[x]
                        let upper = top[x0] * (1 - fx) + top[x1] * fx
                        let lower = bottom[x0] * (1 - fx) + bottom[x1] * fx
                        row[x] = upper * (1 - fy) + lower * fy
                    }
                }
                }
            }
            initialized = w * h
        }
        return GrayImage(width: w, height: h, pixels: out)
    }

    /// The two input indices and the weight of the second for output index `i` of a ×2 upsampling.
    static func upsamplingTaps(_ i: Int, _ n: Int) -> (Int, Int, Float) {
        let s = max(0, min(Double(n - 1), (Double(i) + 0.5) / 2 - 0.5))
        let i0 = Int(s)
        return (i0, min(i0 + 1, n - 1), Float(s - Double(i0)))
    }

    static func gaussianPyramid(_ base: GrayImage, octaves: Int, layers: Int, sigma: Double) -> [[GrayImage]] {
        let k = pow(2, 1 / Double(layers))
        var increments = [sigma]
        for i in 1..<(layers + 3) {
            let previous = pow(k, Double(i - 1)) * sigma, total = previous * k
            increments.append((total * total - previous * previous).squareRoot())
        }
        var pyramid: [[GrayImage]] = []
        for octave in 0..<octaves {
            var images: [GrayImage] = []
            if octave == 0 {
                images.append(base)
            } else {
                // Layer `layers` of the previous octave has blur 2σ: subsample it.
                let source = pyramid[octave - 1][layers]
                let w = source.width / 2, h = source.height / 2
                guard w > 0, h > 0 else { break }
                let pixels = [Float](unsafeUninitializedCapacity: w * h) { storage, initialized in
                    source.pixels.withUnsafeBufferPointer { input in
                        for y in 0..<h {
                            let row = input.baseAddress! + 2 * y * source.width
                            for x in 0..<w { storage[y * w + x] = row[2 * x] }
                        }
                    }
                    initialized = w * h
                }
                images.append(GrayImage(width: w, height: h, pixels: pixels))
            }
            for i in 1..<(layers + 3) { images.append(GaussianBlur.apply(images[i - 1], sigma: increments[i])) }
            pyramid.append(images)
        }
        return pyramid
    }
}
