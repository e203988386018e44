import _TestSupport
@testable import Features
import Foundation
import Geometry
import TensorFiles
import XCTest

/// ALIKED against the published Python implementation with the published weights
/// (tools/make_aliked_goldens.py on crops of real photographs), and its new layers against
/// torchvision and naive loops.
final class ALIKEDNetTests: XCTestCase {
    /// The goldens, loaded once; a missing or damaged file fails each test that reads it.
    static let loaded = Result { try SafeTensors(path: TestSupport.fixture("FeaturesTests", "aliked_goldens.safetensors")) }
    static func goldens() throws -> SafeTensors { try loaded.get() }

    func golden(_ name: String) throws -> [Float] { try Self.goldens().floats(name) }

    func tensor(_ name: String, scale: Float = 1) throws -> Tensor {
        let shape = try XCTUnwrap(try Self.goldens().shape(name))
        return Tensor(channels: shape[0], height: shape[1], width: shape[2], data: try golden(name).map { $0 * scale })
    }

    func network(_ variant: ALIKEDNet.Variant) throws -> ALIKEDNet {
        guard let path = TestSupport.publishedWeights(variant.weightsFile) else {
            throw XCTSkip("\(variant.weightsFile) is not in weights/ (reloc weights fetch)")
        }
        return try ALIKEDNet(variant: variant, weights: try WeightsFile.open(path))
    }

    /// max |a − b| / max(max |b|, floor).
    func relativeError(_ a: [Float], _ b: [Float], floor: Float = 1e-6) -> Float {
        XCTAssertEqual(a.count, b.count)
        var diff: Float = 0, scale = floor
        for i in 0..<min(a.count, b.count) { diff = max(diff, abs(a[i] - b[i])); scale = max(scale, abs(b[i])) }
        return diff / scale
    }

    func testDeformableConvolutionEqualsTorchvision() throws {
        let input = try tensor("deform.input"), offsets = try tensor("deform.offset")
        let weight = try golden("deform.weight"), bias = try golden("deform.bias")
        // The offset conv is not used by `apply`; any one of the right shape will do.
        let layer = DeformableConv2D(offsetConv: Conv2D(weight: [Float](repeating: 0, count: 18 * 4 * 9), bias: nil, outChannels: 18,
                                                        inChannels: 4, kernel: (3, 3), padding: 1),
                                     conv: Conv2D(weight: weight, bias: bias, outChannels: 5, inChannels: 4, kernel: (3, 3), padding: 1))
        let output = layer.apply(input, offsets: offsets)
        XCTAssertLessThan(relativeError(output.data, try golden("deform.output")), 1e-5)
    }

    /// With zero offsets a deformable convolution is the plain one; with offsets of exactly one
    /// pixel it reads the input shifted by one (a naive loop says what that must give).
    func testDeformableConvolutionAtIntegerOffsetsIsAShiftedConvolution() {
        var generator = SeededGenerator(seed: 11)
        func random(_ n: Int) -> [Float] { (0..<n).map { _ in Float.random(in: -1...1, using: &generator) } }
        let (cin, cout, h, w) = (3, 4, 7, 9)
        let input = Tensor(channels: cin, height: h, width: w, data: random(cin * h * w))
        let conv = Conv2D(weight: random(cout * cin * 9), bias: random(cout), outChannels: cout, inChannels: cin, kernel: (3, 3), padding: 1)
        let layer = DeformableConv2D(offsetConv: Conv2D(weight: random(18 * cin * 9), bias: nil, outChannels: 18, inChannels: cin,
                                                        kernel: (3, 3), padding: 1), conv: conv)
        let zero = layer.apply(input, offsets: Tensor(channels: 18, height: h, width: w))
        XCTAssertLessThan(relativeError(zero.data, conv(input).data), 1e-6)

        // Every tap moved by (dy, dx) = (1, −1).
        var shift = Tensor(channels: 18, height: h, width: w)
        for tap in 0..<9 { for p in 0..<(h * w) { shift.data[2 * tap * h * w + p] = 1; shift.data[(2 * tap + 1) * h * w + p] = -1 } }
        let shifted = layer.apply(input, offsets: shift)
        var expected = Tensor(channels: cout, height: h, width: w)
        for o in 0..<cout {
            for y in 0..<h {
                for x in 0..<w {
                    var sum = conv.bias[o]
                    for c in 0..<cin {
                        for i in 0..<3 {
                            for j in 0..<3 {
                                let (sy, sx) = (y - 1 + i + 1, x - 1 + j - 1)
                                guard sy >= 0, sy < h, sx >= 0, sx < w else { continue }
                                sum += conv.weight[((o * cin + c) * 3 + i) * 3 + j] * input[c, sy, sx]
                            }
                        }
                    }
                    expected[o, y, x] = sum
                }
            }
        }
        XCTAssertLessThan(relativeError(shifted.data, expected.data), 1e-6)
    }

    /// DKD on a map built by hand: a blob whose soft-argmax is known, suppressed neighbours, the
    /// border, the limit by score and the fallback to the mean.
    func testDetectionFindsSubPixelMaximaByThePublishedRules() {
        let (h, w) = (20, 24)
        var map = Tensor(channels: 1, height: h, width: w, repeating: 0.05)
        // A symmetric peak at (10, 6): sub-pixel residual 0.
        map[0, 6, 10] = 0.9
        for (dy, dx) in [(-1, 0), (1, 0), (0, -1), (0, 1)] { map[0, 6 + dy, 10 + dx] = 0.5 }
        // A peak at (17, 12) with a stronger right neighbour: the residual leans right.
        map[0, 12, 17] = 0.8; map[0, 12, 18] = 0.7
        // A peak inside the border: dropped.
        map[0, 1, 5] = 0.95
        let found = ALIKEDNet.detect(map)
        XCTAssertEqual(found.points.count, 2)
        XCTAssertEqual(found.points[0].x, 10, accuracy: 1e-4)
        XCTAssertEqual(found.points[0].y, 6, accuracy: 1e-4)
        // Softmax weights e^((s − 0.8)/0.1): 1 at the peak, e⁻¹ right of it, e^−7.5 at the other 23
        // cells, whose dx sum to −1 (the window's 0 minus the right neighbour's 1).
        let (right, rest) = (exp(Float(-1)), exp(Float(-7.5)))
        XCTAssertEqual(found.points[1].x - 17, (right - rest) / (1 + right + 23 * rest), accuracy: 1e-5)
        XCTAssertGreaterThan(found.points[1].x, 17.2)
        XCTAssertEqual(found.points[1].y, 12, accuracy: 1e-3)
        // Row-major order when under the limit; the highest score first when over it.
        var limited = ALIKEDDetection()
        limited.maxKeypoints = 1
        XCTAssertEqual(ALIKEDNet.detect(map, options: limited).points.first?.x ?? 0, 10, accuracy: 1e-4)
        // Nothing above 0.2: the mean decides.
        var flat = Tensor(channels: 1, height: h, width: w, repeating: 0.01)
        flat[0, 9, 9] = 0.1
        XCTAssertEqual(ALIKEDNet.detect(flat).points.count, 1)
    }

    func testDenseMapsEqualThePublishedImplementation() throws {
        let net = try network(.n16)
        for image in ["graf", "fountain"] {
            let input = try tensor("input.\(image)", scale: 1 / 255)
            let (features, scores) = net.denseMaps(input)
            XCTAssertLessThan(relativeError(scores.data, try golden("aliked-n16.\(image).scores_dense")), 1e-4, image)
            let dense = features.dense()
            let window = TensorOps.crop(Tensor(channels: 4, height: dense.height, width: dense.width,
                                               data: Array(dense.data[0..<(4 * dense.plane)])), top: 40, left: 64, height: 48, width: 64)
            XCTAssertLessThan(relativeError(window.data, try golden("aliked-n16.\(image).features_window")), 1e-4, image)
        }
    }

    func testKeypointsAndDescriptorsEqualThePublishedImplementation() throws {
        for variant in [ALIKEDNet.Variant.n16, .n32, .t16] {
            let net = try network(variant)
            for image in ["graf", "fountain"] {
                let key = "\(variant.rawValue).\(image)"
                let (features, scores) = net.denseMaps(try tensor("input.\(image)", scale: 1 / 255))
                let found = ALIKEDNet.detect(scores)
                let expected = try golden("\(key).keypoints")
                XCTAssertEqual(found.points.count * 2, expected.count, key)
                guard found.points.count * 2 == expected.count else { continue }
                XCTAssertLessThan(relativeError(found.points.flatMap { [$0.x, $0.y] }, expected), 1e-5, key)
                XCTAssertLessThan(relativeError(found.scores, try golden("\(key).keypoint_scores")), 1e-4, key)
                let descriptors = net.describe(features, at: found.normalized)
                let head = try golden("\(key).descriptors")
                XCTAssertLessThan(relativeError(Array(descriptors.prefix(head.count)), head), 1e-4, key)
            }
        }
    }

    /// Images down to one pixel: keypoints inside the image, unit descriptors, or none — never a
    /// read outside a map (SDDH clamps its patch to the map, DISK pads to 16).
    func testTinyImagesGiveValidKeypointsOrNone() throws {
        guard let folder = TestSupport.publishedWeights("aliked-t16.pth").map({ ($0 as NSString).deletingLastPathComponent }),
              FileManager.default.fileExists(atPath: folder + "/" + DISKNet.weightsFile) else {
            throw XCTSkip("the published weights are not in weights/ (reloc weights fetch)")
        }
        let extractors: [any FeatureExtractor] = [try ALIKEDExtractor(weightsFolder: folder, variant: .t16), try DISKExtractor(weightsFolder: folder)]
        var generator = SeededGenerator(seed: 4)
        for (w, h) in [(1, 1), (3, 2), (5, 5), (7, 6), (40, 9), (9, 40)] {
            var image = Image8(width: w, height: h, channels: 3)
            for y in 0..<h { for x in 0..<w { for c in 0..<3 { image[x, y, c] = UInt8.random(in: 0...255, using: &generator) } } }
            for extractor in extractors {
                let found = extractor.extract(image)
                XCTAssertEqual(found.descriptors.count, found.keypoints.count * extractor.dimension)
                for k in found.keypoints { XCTAssertTrue(k.x > 0 && k.x < Float(w) && k.y > 0 && k.y < Float(h), "\(w)x\(h): \(k)") }
                for i in 0..<found.keypoints.count {
                    let norm = found.descriptors[(i * extractor.dimension)..<((i + 1) * extractor.dimension)].reduce(0) { $0 + $1 * $1 }
                    XCTAssertEqual(norm, 1, accuracy: 1e-4)
                }
            }
        }
    }
}
