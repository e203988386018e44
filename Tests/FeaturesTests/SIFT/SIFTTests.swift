import Features
import Foundation
import XCTest
import _TestSupport

final class SIFTTests: XCTestCase {
    /// Dark background with bright Gaussian blobs of known centre and σ.
    func blobs(_ list: [(x: Double, y: Double, sigma: Double)], size: Int = 256) -> GrayImage {
        var pixels = [Float](repeating: 20, count: size * size)
        for y in 0..<size {
            for x in 0..<size {
                // Pixel (x, y) covers [x, x+1): its centre is x + 0.5 in COLMAP coordinates.
                for b in list {
                    let dx = Double(x) + 0.5 - b.x, dy = Double(y) + 0.5 - b.y
                    pixels[y * size + x] += Float(200 * exp(-(dx * dx + dy * dy) / (2 * b.sigma * b.sigma)))
                }
            }
        }
        return GrayImage(width: size, height: size, pixels: pixels)
    }

    /// A textured test image: multi-scale value noise with sharp-edged squares.
    func texture(width: Int, height: Int, seed: Int) -> GrayImage {
        func hash(_ a: Int, _ b: Int) -> Double {
            var z = UInt64(bitPattern: Int64(a &* 73856093 ^ b &* 19349663 ^ seed &* 83492791))
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return Double((z ^ (z >> 31)) >> 11) * 0x1.0p-53
        }
        var pixels = [Float](repeating: 0, count: width * height)
        for y in 0..<height {
            for x in 0..<width {
                var v = 0.0
                for (cell, amplitude) in [(32, 90.0), (12, 60.0), (5, 40.0)] {
                    v += amplitude * hash(x / cell, y / cell + cell * 1000)
                }
                pixels[y * width + x] = Float(v)
            }
        }
        return GrayImage(width: width, height: height, pixels: pixels)
    }

    func testBlobsAreFoundAtTheirPositionsAndScales() {
        // Centres off the pixel-boundary grid: a blob centred exactly between four pixels makes the
        // quadratic fit oscillate between them (OpenCV rejects such extrema too).
        let truth = [(x: 64.3, y: 63.8, sigma: 3.0), (x: 180.25, y: 70.5, sigma: 5.0), (x: 110.0, y: 180.0, sigma: 8.0)]
        var options = SIFTOptions()
        options.upright = true
        let features = SIFT.extract(blobs(truth), options: options)
        for blob in truth {
            let nearest = features.keypoints.indices.min {
                simdDistance(features.keypoints[$0], blob) < simdDistance(features.keypoints[$1], blob)
            }
            guard let k = nearest else { return XCTFail("no keypoints") }
            XCTAssertLessThan(simdDistance(features.keypoints[k], blob), 0.5, "blob at \(blob)")
            // The scale-normalized Laplacian of a Gaussian blob peaks at σ = σ_blob; DoG layer i
            // stands for σ_i although G(kσ_i) − G(σ_i) peaks near √k·σ_i, so SIFT (OpenCV too)
            // reports scales about 11 % low.
            XCTAssertEqual(Double(features.scales[k]), blob.sigma * 0.89, accuracy: 0.1 * blob.sigma, "blob at \(blob)")
        }
    }

    func simdDistance(_ p: SIMD2<Float>, _ b: (x: Double, y: Double, sigma: Double)) -> Double {
        ((Double(p.x) - b.x) * (Double(p.x) - b.x) + (Double(p.y) - b.y) * (Double(p.y) - b.y)).squareRoot()
    }

    /// Share of mutual-NN matches whose keypoints correspond under `transform` to 3 px.
    func correctShare(_ a: SIFTFeatures, _ b: SIFTFeatures, transform: (SIMD2<Float>) -> SIMD2<Float>) -> (Double, Int) {
        let matches = DescriptorMatcher.match(a.descriptors, b.descriptors, dimension: 128, options: MatchingOptions(mutual: true, ratio: 0.9))
        let correct = matches.filter {
            let p = transform(a.keypoints[$0.index0]), q = b.keypoints[$0.index1]
            return ((p - q) * (p - q)).sum().squareRoot() <= 3
        }.count
        return (Double(correct) / Double(max(matches.count, 1)), matches.count)
    }

    func testRotationInvariance() {
        let image = texture(width: 240, height: 200, seed: 1)
        // Rotate by 90° clockwise on screen: pixel (x, y) → (H − 1 − y, x).
        var rotated = [Float](repeating: 0, count: image.pixels.count)
        for y in 0..<image.height { for x in 0..<image.width { rotated[x * image.height + (image.height - 1 - y)] = image[x, y] } }
        let rotatedImage = GrayImage(width: image.height, height: image.width, pixels: rotated)
        let a = SIFT.extract(image), b = SIFT.extract(rotatedImage)
        // Continuous COLMAP coordinates: (x, y) → (H − y, x).
        let (share, count) = correctShare(a, b) { SIMD2(Float(image.height) - $0.y, $0.x) }
        XCTAssertGreaterThan(count, 50)
        XCTAssertGreaterThanOrEqual(share, 0.9, "\(count) matches")
    }

    /// Upright SIFT: orientation 0 everywhere, one keypoint per location (no extra orientations),
    /// and, on an image and its copy turned by a few degrees (what an upright camera's roll does),
    /// at least as many correct matches as rotation-invariant SIFT — the use case it is for; a
    /// 90° turn breaks it.
    func testUprightKeepsOneOrientationAndMatchesSmallRolls() {
        let image = texture(width: 240, height: 200, seed: 3)
        var options = SIFTOptions()
        options.upright = true
        let upright = SIFT.extract(image, options: options), oriented = SIFT.extract(image)
        XCTAssertTrue(upright.orientations.allSatisfy { $0 == 0 })
        XCTAssertLessThan(upright.count, oriented.count)
        let locations = Set(upright.keypoints.map { "\($0.x) \($0.y)" })
        XCTAssertEqual(locations.count, upright.count)
        // Turned by 4° about the image centre (bilinear resampling).
        let angle = Float(4 * Double.pi / 180), (c, s) = (cos(angle), sin(angle))
        let cx = Float(image.width) / 2, cy = Float(image.height) / 2
        var turned = [Float](repeating: 0, count: image.pixels.count)
        for y in 0..<image.height {
            for x in 0..<image.width {
                // Output pixel centre → input position (inverse rotation), COLMAP coordinates.
                let dx = Float(x) + 0.5 - cx, dy = Float(y) + 0.5 - cy
                let u = c * dx + s * dy + cx - 0.5, v = -s * dx + c * dy + cy - 0.5
                let x0 = Int(u.rounded(.down)), y0 = Int(v.rounded(.down))
                guard x0 >= 0, y0 >= 0, x0 + 1 < image.width, y0 + 1 < image.height else { continue }
                let fx = u - Float(x0), fy = v - Float(y0)
                turned[y * image.width + x] = (image[x0, y0] * (1 - fx) + image[x0 + 1, y0] * fx) * (1 - fy)
                    + (image[x0, y0 + 1] * (1 - fx) + image[x0 + 1, y0 + 1] * fx) * fy
            }
        }
        let turnedImage = GrayImage(width: image.width, height: image.height, pixels: turned)
        let forward: (SIMD2<Float>) -> SIMD2<Float> = { p in
            let d = p - SIMD2(cx, cy)
            return SIMD2(c * d.x - s * d.y + cx, s * d.x + c * d.y + cy)
        }
        let (uprightShare, uprightCount) = correctShare(upright, SIFT.extract(turnedImage, options: options), transform: forward)
        let (orientedShare, orientedCount) = correctShare(oriented, SIFT.extract(turnedImage), transform: forward)
        XCTAssertGreaterThanOrEqual(uprightShare, 0.9, "\(uprightCount) matches")
        XCTAssertGreaterThanOrEqual(Double(uprightCount) * uprightShare, 0.8 * Double(orientedCount) * orientedShare)
    }

    func testScaleInvariance() {
        let image = texture(width: 320, height: 320, seed: 2)
        let half = image.resized(maxEdge: 160)
        let a = SIFT.extract(image), b = SIFT.extract(half.image)
        let (share, count) = correctShare(a, b) { $0 * 0.5 }
        XCTAssertGreaterThan(count, 30)
        XCTAssertGreaterThanOrEqual(share, 0.9, "\(count) matches")
    }

    func testContrastNormalizationRecoversDarkImages() {
        let image = texture(width: 200, height: 160, seed: 4)
        let dark = GrayImage(width: image.width, height: image.height, pixels: image.pixels.map { $0 * 0.1 })
        var normalized = SIFTOptions()
        normalized.normalizeContrast = true
        let bright = SIFT.extract(image).count, darkPlain = SIFT.extract(dark).count
        let darkNormalized = SIFT.extract(dark, options: normalized).count
        // The absolute contrast threshold loses most keypoints of a 10x darker image…
        XCTAssertLessThan(Double(darkPlain), 0.5 * Double(bright))
        // …and stretching the intensities first brings them back.
        XCTAssertGreaterThan(Double(darkNormalized), 0.8 * Double(SIFT.extract(image, options: normalized).count))
    }

    func testFlatAndTinyImagesGiveNoKeypoints() {
        var floored = SIFTOptions()
        floored.minimumKeypoints = 100
        for options in [SIFTOptions(), floored] {
            for image in [GrayImage(width: 64, height: 48, pixels: [Float](repeating: 90, count: 64 * 48)),
                          GrayImage(width: 3, height: 2, pixels: [Float](repeating: 7, count: 6))] {
                let features = SIFT.extract(image, options: options)
                XCTAssertEqual(features.count, 0)
                XCTAssertEqual(features.descriptors.count, 0)
                XCTAssertEqual(features.locationsAboveThreshold, 0)
            }
        }
    }

    func testKeypointFloorLowersTheThresholdOnlyWhereNeeded() {
        let image = texture(width: 200, height: 160, seed: 4)
        let dark = GrayImage(width: image.width, height: image.height, pixels: image.pixels.map { $0 * 0.25 })
        var plain = SIFTOptions()
        plain.maxKeypoints = 0
        var floored = plain
        floored.minimumKeypoints = 150
        floored.lowestContrastThreshold = 0.005
        let darkPlain = SIFT.extract(dark, options: plain), darkFloored = SIFT.extract(dark, options: floored)
        XCTAssertLessThan(darkPlain.locationsAboveThreshold, 150, "the test image must fall short of the floor")
        XCTAssertEqual(darkFloored.locationsAboveThreshold, darkPlain.locationsAboveThreshold)
        // The floor is met with weaker extrema (keypoints ≥ locations: some have two orientations)…
        XCTAssertGreaterThanOrEqual(darkFloored.count, 150)
        let floorResponse = Float(floored.lowestContrastThreshold / Double(floored.octaveLayers))
        XCTAssertTrue(darkFloored.responses.allSatisfy { $0 >= floorResponse * 0.999 })
        XCTAssertGreaterThan(darkFloored.responses.filter { $0 * 3 < Float(plain.contrastThreshold) }.count, 0)
        // …and keeps every keypoint the nominal threshold gave.
        let floored0 = Set(zip(darkFloored.keypoints, darkFloored.orientations).map { [$0.0.x, $0.0.y, $0.1] })
        for (p, angle) in zip(darkPlain.keypoints, darkPlain.orientations) { XCTAssertTrue(floored0.contains([p.x, p.y, angle])) }
        // An image that already has enough keeps exactly what it had.
        floored.minimumKeypoints = 10
        let bright = SIFT.extract(image, options: plain), brightFloored = SIFT.extract(image, options: floored)
        XCTAssertGreaterThan(bright.locationsAboveThreshold, 10)
        XCTAssertEqual(brightFloored.keypoints, bright.keypoints)
        XCTAssertEqual(brightFloored.descriptors, bright.descriptors)
    }

    func testRootSIFTAndDeterminism() {
        let image = texture(width: 160, height: 120, seed: 3)
        var options = SIFTOptions()
        options.rootSIFT = true
        let a = SIFT.extract(image, options: options), b = SIFT.extract(image, options: options)
        XCTAssertEqual(a.keypoints, b.keypoints)
        XCTAssertEqual(a.descriptors, b.descriptors)
        XCTAssertGreaterThan(a.count, 10)
        for k in 0..<a.count {
            let d = a.descriptors[(k * 128)..<((k + 1) * 128)]
            // RootSIFT: non-negative, unit L2 norm (the square roots of an L1-normalized vector).
            XCTAssertEqual(d.reduce(0) { $0 + $1 * $1 }, 1, accuracy: 1e-4)
            XCTAssertTrue(d.allSatisfy { $0 >= 0 })
        }
        options.maxKeypoints = 5
        let few = SIFT.extract(image, options: options)
        XCTAssertEqual(few.count, 5)
        XCTAssertEqual(Array(few.responses), Array(a.responses.prefix(5)))
    }
}

final class SIFTRealImageTests: XCTestCase {
    /// graf1 → graf3 (Oxford affine set, strong viewpoint change) with the true homography:
    /// mutual-NN + ratio 0.8 matches must mostly agree with it at 3 px.
    func testGrafPairAgreesWithTheHomography() throws {
        guard let graf = TestSupport.sharedDataset("graf") else { throw XCTSkip("../shared/datasets absent") }
        let h: [Double] = [7.6285898e-01, -2.9922929e-01, 2.2567123e+02, 3.3443473e-01, 1.0143901e+00, -7.6999973e+01,
                           3.4663091e-04, -1.4364524e-05, 1.0]
        let a = SIFT.extract(GrayImage(try ImageFile.read(path: graf + "/graf1.png", channels: 1)))
        let b = SIFT.extract(GrayImage(try ImageFile.read(path: graf + "/graf3.png", channels: 1)))
        let matches = DescriptorMatcher.match(a.descriptors, b.descriptors, dimension: 128, options: MatchingOptions(mutual: true, ratio: 0.8))
        var correct = 0
        for m in matches {
            // The homography maps OpenCV pixel coordinates (centres at integers): COLMAP − 0.5.
            let p = a.keypoints[m.index0], q = b.keypoints[m.index1]
            let x = Double(p.x) - 0.5, y = Double(p.y) - 0.5
            let w = h[6] * x + h[7] * y + h[8]
            let u = (h[0] * x + h[1] * y + h[2]) / w + 0.5, v = (h[3] * x + h[4] * y + h[5]) / w + 0.5
            if ((u - Double(q.x)) * (u - Double(q.x)) + (v - Double(q.y)) * (v - Double(q.y))).squareRoot() <= 3 { correct += 1 }
        }
        let precision = Double(correct) / Double(max(matches.count, 1))
        print("graf1-graf3: \(a.count) / \(b.count) keypoints, \(matches.count) matches, \(correct) correct at 3 px (\(String(format: "%.1f", 100 * precision)) %)")
        XCTAssertGreaterThan(correct, 100)
        XCTAssertGreaterThan(precision, 0.6)
    }
}
