@testable import Features
import Geometry
import XCTest

/// Each layer against a direct implementation of its definition.
final class NeuralLayerTests: XCTestCase {
    var rng = SeededGenerator(seed: 17)

    func random(_ c: Int, _ h: Int, _ w: Int) -> Tensor {
        Tensor(channels: c, height: h, width: w, data: (0..<(c * h * w)).map { _ in Float.random(in: -1...1, using: &rng) })
    }

    func assertClose(_ a: [Float], _ b: [Float], _ tolerance: Float = 1e-5, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.count, b.count, file: file, line: line)
        let worst = zip(a, b).map { abs($0 - $1) }.max() ?? 0
        XCTAssertLessThan(worst, tolerance, file: file, line: line)
    }

    func testConvolutionEqualsTheDirectSum() {
        for (cin, cout, k, stride, padding, dilation, h, w) in [(3, 5, 3, 1, 1, 1, 9, 11), (4, 6, 3, 2, 1, 1, 10, 7), (2, 3, 7, 2, 3, 1, 13, 12),
                                                                (3, 4, 3, 1, 2, 2, 8, 9), (5, 7, 1, 1, 0, 1, 6, 5), (3, 2, 2, 2, 0, 1, 8, 8)] {
            let input = random(cin, h, w)
            let weight = (0..<(cout * cin * k * k)).map { _ in Float.random(in: -1...1, using: &rng) }
            let bias = (0..<cout).map { _ in Float.random(in: -1...1, using: &rng) }
            let conv = Conv2D(weight: weight, bias: bias, outChannels: cout, inChannels: cin, kernel: (k, k), stride: stride, padding: padding, dilation: dilation)
            let (oh, ow) = conv.outputSize(height: h, width: w)
            var direct = [Float](repeating: 0, count: cout * oh * ow)
            for o in 0..<cout { for y in 0..<oh { for x in 0..<ow {
                var sum = bias[o]
                for c in 0..<cin { for ky in 0..<k { for kx in 0..<k {
                    let iy = y * stride - padding + ky * dilation, ix = x * stride - padding + kx * dilation
                    if iy >= 0 && iy < h && ix >= 0 && ix < w { sum += weight[((o * cin + c) * k + ky) * k + kx] * input[c, iy, ix] }
                } } }
                direct[(o * oh + y) * ow + x] = sum
            } } }
            assertClose(conv(input).data, direct, 1e-4)
            // In bands of one output row (the path large maps take).
            assertClose(conv.forward(input, maxColumnFloats: 1).data, direct, 1e-4)
        }
    }

    /// Padding wider than the map (a 5×5 conv on a map one pixel wide): the taps outside are zeros.
    func testConvolutionOnAMapNarrowerThanItsPadding() {
        let input = Tensor(channels: 1, height: 1, width: 1, data: [2])
        var weight = [Float](repeating: 0, count: 25)
        weight[12] = 3  // the centre tap
        weight[0] = 100  // a tap that only ever reads padding
        let conv = Conv2D(weight: weight, bias: [0.5], outChannels: 1, inChannels: 1, kernel: (5, 5), padding: 2)
        XCTAssertEqual(conv(input).data, [6.5])
        XCTAssertEqual(conv.forward(input, maxColumnFloats: 1).data, [6.5])
    }

    func testFoldedBatchNormEqualsConvThenBatchNorm() {
        let input = random(3, 6, 7)
        let weight = (0..<(4 * 3 * 9)).map { _ in Float.random(in: -1...1, using: &rng) }
        let plain = Conv2D(weight: weight, bias: nil, outChannels: 4, inChannels: 3, kernel: (3, 3), padding: 1)
        var folded = plain
        let gamma: [Float] = [1.2, 0.7, 1, 0.3], beta: [Float] = [0.1, -0.2, 0, 0.5], mean: [Float] = [0.3, -0.1, 0.2, 0], variance: [Float] = [0.5, 2, 1, 0.1]
        folded.foldBatchNorm(gamma: gamma, beta: beta, mean: mean, variance: variance)
        let y = plain(input)
        var expected = y.data
        for c in 0..<4 { for i in 0..<y.plane { expected[c * y.plane + i] = (y.data[c * y.plane + i] - mean[c]) / (variance[c] + 1e-5).squareRoot() * gamma[c] + beta[c] } }
        assertClose(folded(input).data, expected)
    }

    func testMaxPoolPadsWithMinusInfinity() {
        let input = random(2, 7, 6)
        let out = TensorOps.maxPool(input, kernel: 3, stride: 2, padding: 1)
        XCTAssertEqual([out.height, out.width], [4, 3])
        for c in 0..<2 { for y in 0..<4 { for x in 0..<3 {
            var m = -Float.infinity
            for iy in (2 * y - 1)...(2 * y + 1) where iy >= 0 && iy < 7 { for ix in (2 * x - 1)...(2 * x + 1) where ix >= 0 && ix < 6 { m = max(m, input[c, iy, ix]) } }
            XCTAssertEqual(out[c, y, x], m)
        } } }
        // The NMS's separable pool equals the 2-D pool.
        let one = random(1, 9, 13)
        XCTAssertEqual(SimpleNMS.maxPool(one.data, 9, 13, 3), TensorOps.maxPool(one, kernel: 7, stride: 1, padding: 3).data)
    }

    func testBilinearUpsamplingBothCornerConventions() {
        let row = Tensor(channels: 1, height: 1, width: 2, data: [0, 1])
        // PyTorch: align_corners=True → 0, 1/3, 2/3, 1; False → 0, 0.25, 0.75, 1 (edges clamped).
        assertClose(TensorOps.upsampleBilinear(row, scale: 2, alignCorners: true).data.prefix(4).map { $0 }, [0, 1.0 / 3, 2.0 / 3, 1])
        assertClose(TensorOps.upsampleBilinear(row, scale: 2, alignCorners: false).data.prefix(4).map { $0 }, [0, 0.25, 0.75, 1])
        // A linear ramp stays linear at the mapped source positions.
        var ramp = Tensor(channels: 1, height: 3, width: 4)
        for y in 0..<3 { for x in 0..<4 { ramp[0, y, x] = Float(2 * y + 3 * x) } }
        let up = TensorOps.upsampleBilinear(ramp, scale: 2, alignCorners: true)
        for y in 0..<6 { for x in 0..<8 {
            XCTAssertEqual(up[0, y, x], 2 * Float(y) * 2 / 5 + 3 * Float(x) * 3 / 7, accuracy: 1e-5)
        } }
    }

    func testConcatPadsTheSkipAsFPad() {
        let up = Tensor(channels: 1, height: 4, width: 5, repeating: 9)
        var skip = Tensor(channels: 1, height: 3, width: 2)
        for i in skip.data.indices { skip.data[i] = Float(i + 1) }
        let out = TensorOps.concatPadded(up, skip)
        XCTAssertEqual(out.channels, 2)
        // dy = 1 → 0 rows on top; dx = 3 → 1 column on the left, 2 on the right.
        XCTAssertEqual(Array(out.data[20..<40]), [0, 1, 2, 0, 0, 0, 3, 4, 0, 0, 0, 5, 6, 0, 0, 0, 0, 0, 0, 0])
        XCTAssertEqual(Array(out.data[0..<20]), [Float](repeating: 9, count: 20))
        // A larger skip is cropped (negative padding): dy = −1 → floor(−1/2) = −1 row on top.
        let big = Tensor(channels: 1, height: 5, width: 5, data: (0..<25).map(Float.init))
        let cropped = TensorOps.concatPadded(up, big)
        XCTAssertEqual(Array(cropped.data[20..<25]), [5, 6, 7, 8, 9])
    }

    func testSoftmaxDepthToSpaceNormalizeAndActivations() {
        var t = random(65, 2, 3)
        TensorOps.softmaxChannels(&t)
        for p in 0..<6 { XCTAssertEqual((0..<65).map { t.data[$0 * 6 + p] }.reduce(0, +), 1, accuracy: 1e-5) }
        var cells = Tensor(channels: 65, height: 1, width: 2)
        for k in 0..<64 { cells[k, 0, 1] = Float(k) }
        let space = TensorOps.depthToSpace(cells, block: 8)
        XCTAssertEqual([space.height, space.width], [8, 16])
        XCTAssertEqual(space[0, 3, 8 + 5], 29)   // channel 3·8 + 5 of cell (0, 1)
        var v = Tensor(channels: 2, height: 1, width: 1, data: [3, 4])
        TensorOps.l2NormalizeChannels(&v)
        XCTAssertEqual(v.data, [0.6, 0.8])
        var e = Tensor(channels: 1, height: 1, width: 3, data: [-1, 0, 2])
        TensorOps.elu(&e)
        assertClose(e.data, [Float(exp(-1.0) - 1), 0, 2])
    }

    func testGridSampleCornerConventions() {
        let t = Tensor(channels: 1, height: 2, width: 2, data: [1, 2, 3, 4])
        // align_corners=False: (−1, −1) is the outer corner, a quarter of pixel (0, 0); (0, 0) the centre.
        assertClose(TensorOps.gridSample(t, points: [SIMD2(-1, -1), SIMD2(0, 0), SIMD2(1, 1)], alignCorners: false), [0.25, 2.5, 1])
        // align_corners=True: (−1, −1) is pixel (0, 0)'s centre.
        assertClose(TensorOps.gridSample(t, points: [SIMD2(-1, -1), SIMD2(1, -1), SIMD2(0, 0)], alignCorners: true), [1, 2, 2.5])
    }
}
