import _TestSupport
@testable import Features
import Foundation
import TensorFiles
import XCTest

/// DISK against the published wrapper's implementation (kornia's) with the published `depth`
/// weights (tools/make_disk_goldens.py on crops of real photographs), and its selection rules on
/// a map built by hand.
final class DISKNetTests: XCTestCase {
    /// The goldens, loaded once; a missing or damaged file fails each test that reads it.
    static let loaded = Result { try SafeTensors(path: TestSupport.fixture("FeaturesTests", "disk_goldens.safetensors")) }
    static func goldens() throws -> SafeTensors { try loaded.get() }

    func golden(_ name: String) throws -> [Float] { try Self.goldens().floats(name) }

    /// max |a − b| / max |b|.
    func relativeError(_ a: [Float], _ b: [Float]) -> Float {
        XCTAssertEqual(a.count, b.count)
        var diff: Float = 0, scale: Float = 1e-6
        for i in 0..<min(a.count, b.count) { diff = max(diff, abs(a[i] - b[i])); scale = max(scale, abs(b[i])) }
        return diff / scale
    }

    func testOutputsKeypointsAndDescriptorsEqualThePublishedImplementation() throws {
        guard let path = TestSupport.publishedWeights(DISKNet.weightsFile) else { throw XCTSkip("\(DISKNet.weightsFile) is not in weights/ (reloc weights fetch)") }
        let net = try DISKNet(weights: try WeightsFile.open(path))
        for image in ["graf", "fountain"] {
            let shape = try XCTUnwrap(try Self.goldens().shape("input.\(image)"))
            let input = Tensor(channels: 3, height: shape[1], width: shape[2], data: try golden("input.\(image)").map { $0 / 255 })
            let output = net(input)
            XCTAssertLessThan(relativeError(output.heatmap.data, try golden("\(image).heatmap")), 1e-4, image)
            // The dense descriptors in a window, channels 0–3, channel-major as the golden.
            let pixels = (40..<88).flatMap { y in (64..<128).map { x in (x: x, y: y) } }
            let dense = output.descriptors(at: pixels)
            let window = (0..<4).flatMap { c in pixels.indices.map { dense[$0 * 128 + c] } }
            XCTAssertLessThan(relativeError(window, try golden("\(image).descriptors_window")), 1e-4, image)
            let found = DISKNet.keypoints(output)
            XCTAssertEqual(found.points.flatMap { [$0.x, $0.y] }, try golden("\(image).keypoints"), image)
            XCTAssertLessThan(relativeError(found.scores, try golden("\(image).scores")), 1e-4, image)
            let head = try golden("\(image).descriptors")
            XCTAssertLessThan(relativeError(Array(found.descriptors.prefix(head.count)), head), 1e-4, image)
            let limited = DISKNet.keypoints(output, maxKeypoints: 20)
            XCTAssertEqual(limited.points.flatMap { [$0.x, $0.y] }, try golden("\(image).keypoints_n20"), image)
        }
    }

    /// Strict maxima of the full window, none whose window leaves the map, ties at the cut in row-major order.
    func testSelectionRules() {
        let (h, w) = (12, 14)
        // A last conv that copies its input's channel c to descriptor c at the centre tap (and
        // the heatmap from channel 128), so the descriptors are the input's channels.
        var weight = [Float](repeating: 0, count: 129 * 129 * 25)
        for c in 0..<129 { weight[(c * 129 + c) * 25 + 12] = 1 }
        let conv = Conv2D(weight: weight, bias: nil, outChannels: 129, inChannels: 129, kernel: (5, 5), padding: 2)
        var input = Tensor(channels: 129, height: h, width: w, repeating: 0)
        func set(_ x: Int, _ y: Int, _ v: Float) { input[128, y, x] = v }
        set(3, 3, 1)          // a maximum
        set(8, 3, 2); set(9, 3, 2)   // a plateau: neither is strict
        set(1, 8, 5)          // within 2 pixels of the border: never a keypoint
        set(6, 8, 1); set(11, 8, 1)  // tied with (3, 3)
        for c in 0..<128 { input[c, 3, 3] = c == 0 ? 3 : 0; input[c, 8, 6] = c == 1 ? -2 : 0 }
        var heatmap = Tensor(channels: 1, height: h, width: w)
        heatmap.data = Array(input.data[(128 * input.plane)...])
        let output = DISKNet.Output(heatmap: heatmap, lastInput: input, lastConv: conv)
        let all = DISKNet.keypoints(output)
        XCTAssertEqual(all.points, [SIMD2(3, 3), SIMD2(6, 8), SIMD2(11, 8)])
        XCTAssertEqual(Array(all.descriptors[0..<2]), [1, 0])
        XCTAssertEqual(Array(all.descriptors[128..<130]), [0, -1])
        XCTAssertEqual(DISKNet.keypoints(output, maxKeypoints: 2).points, [SIMD2(3, 3), SIMD2(6, 8)])
        XCTAssertEqual(DISKNet.keypoints(output, threshold: 1).points, [])
    }
}
