import _TestSupport
import Features
import Foundation
import TensorFiles
import XCTest

/// SuperPoint and HNDesc against PyTorch: `tools/make_neural_goldens.py` ran both networks with
/// formula-generated weights (recomputed here from the committed manifest) on small inputs and
/// saved the outputs in Fixtures/neural_goldens.safetensors.
final class NeuralGoldenTests: XCTestCase {
    static let fixtures = TestSupport.fixture("FeaturesTests", "")

    /// The networks' weights from the manifest and the formula of the golden script. A wrapper
    /// prefix (`net.`), as converted checkpoints often have, must be found and skipped.
    static func weights(_ network: String) throws -> SafeTensors {
        let path = TestSupport.temporaryFolder() + "/\(network).safetensors"
        try SyntheticWeights.write(manifest: fixtures + "/neural_manifest.json", network: network, to: path,
                                   prefix: network == "hndesc" ? "net." : "")
        return try SafeTensors(path: path)
    }

    /// The goldens, loaded once; a missing or damaged file fails each test that reads it.
    static let loaded = Result { try SafeTensors(path: fixtures + "/neural_goldens.safetensors") }
    static func goldens() throws -> SafeTensors { try loaded.get() }

    func golden(_ name: String) throws -> (shape: [Int], values: [Float]) {
        (try Self.goldens().shape(name)!, try Self.goldens().floats(name))
    }

    /// ‖a − b‖∞ / ‖b‖∞.
    func relativeError(_ a: [Float], _ b: [Float]) -> Float {
        XCTAssertEqual(a.count, b.count)
        var diff: Float = 0, scale: Float = 0
        for i in 0..<min(a.count, b.count) { diff = max(diff, abs(a[i] - b[i])); scale = max(scale, abs(b[i])) }
        return diff / scale
    }

    func testSuperPointEqualsPyTorch() throws {
        let net = try SuperPointNet(weights: try Self.weights("superpoint"))
        let input = try golden("sp_input")
        let output = net(Tensor(channels: 1, height: input.shape[0], width: input.shape[1], data: input.values))
        XCTAssertLessThan(relativeError(output.scores.data, try golden("sp_scores").values), 1e-4)
        XCTAssertLessThan(relativeError(output.descriptors.data, try golden("sp_descriptors").values), 1e-4)

        var options = SuperPointOptions()
        options.maxKeypoints = 40
        let keypoints = SuperPointNet.keypoints(output.scores, options: options)
        let expected = try golden("sp_keypoints").values
        XCTAssertEqual(keypoints.points.flatMap { [$0.x, $0.y] }, expected, "identical keypoints, in the same order")
        XCTAssertLessThan(relativeError(keypoints.scores, try golden("sp_keypoint_scores").values), 1e-4)
        let sampled = SuperPointNet.sampleDescriptors(output.descriptors, at: keypoints.points)
        XCTAssertLessThan(relativeError(sampled, try golden("sp_sampled").values), 1e-4)
    }

    func testHNDescEqualsPyTorch() throws {
        let net = try HNDescNet(weights: try Self.weights("hndesc"))
        let input = try golden("hn_input")
        let dense = net(Tensor(channels: input.shape[0], height: input.shape[1], width: input.shape[2], data: input.values))
        let expected = try golden("hn_dense")
        XCTAssertEqual([dense.channels, dense.height, dense.width], expected.shape)
        XCTAssertLessThan(relativeError(dense.data, expected.values), 1e-4)
        let coords = try golden("hn_coords").values
        let points = stride(from: 0, to: coords.count, by: 2).map { SIMD2(coords[$0], coords[$0 + 1]) }
        let sampled = HNDescNet.sampleDescriptors(dense, at: points, imageWidth: input.shape[2], imageHeight: input.shape[1])
        XCTAssertLessThan(relativeError(sampled, try golden("hn_sampled").values), 1e-4)
    }

    func testMissingOrWrongWeightsNameTheFile() throws {
        let path = TestSupport.temporaryFolder(self) + "/w.safetensors"
        XCTAssertThrowsError(try SafeTensors(path: path)) { XCTAssertTrue("\($0)".contains(path)) }
        try SafeTensors.write([("conv1a.weight", [2], [1, 2])], to: path)
        XCTAssertThrowsError(try SuperPointNet(weights: try SafeTensors(path: path))) { XCTAssertTrue("\($0)".contains("shape"), "\($0)") }
        XCTAssertThrowsError(try HNDescNet(weights: try SafeTensors(path: path))) { XCTAssertTrue("\($0)".contains("firstconv.weight"), "\($0)") }
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try SafeTensors(path: path))
    }
}
