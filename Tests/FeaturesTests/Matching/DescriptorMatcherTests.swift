import Features
import XCTest

final class DescriptorMatcherTests: XCTestCase {
    struct Generator {
        var state: UInt64
        mutating func next() -> Float {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(state >> 40) / Float(1 << 24)
        }
    }

    func randomDescriptors(_ n: Int, _ d: Int, seed: UInt64) -> [Float] {
        var g = Generator(state: seed)
        return (0..<(n * d)).map { _ in g.next() - 0.5 }
    }

    /// The straightforward O(n0·n1·d) reference: every distance, then linear scans.
    func bruteForce(_ a: [Float], _ b: [Float], _ d: Int, _ options: MatchingOptions) -> [DescriptorMatch] {
        let n0 = a.count / d, n1 = b.count / d
        var distance = [Float](repeating: 0, count: n0 * n1)
        for i in 0..<n0 {
            for j in 0..<n1 {
                var s: Float = 0
                for k in 0..<d { let x = a[i * d + k] - b[j * d + k]; s += x * x }
                distance[i * n1 + j] = s.squareRoot()
            }
        }
        var nearest1 = [Int](repeating: 0, count: n1)
        for j in 0..<n1 { nearest1[j] = (0..<n0).min { distance[$0 * n1 + j] < distance[$1 * n1 + j] }! }
        var result: [DescriptorMatch] = []
        for i in 0..<n0 {
            var first = 0, second = -1
            for j in 1..<n1 {
                if distance[i * n1 + j] < distance[i * n1 + first] { second = first; first = j }
                else if second < 0 || distance[i * n1 + j] < distance[i * n1 + second] { second = j }
            }
            let best = distance[i * n1 + first]
            if options.mutual && nearest1[first] != i { continue }
            if let ratio = options.ratio, second >= 0, !(best <= ratio * distance[i * n1 + second]) { continue }
            if let maxDistance = options.maxDistance, best > maxDistance { continue }
            if let minCosine = options.minCosine {
                // The cosine itself, from the descriptors (not from the distance the matcher uses).
                var dot: Float = 0, na: Float = 0, nb: Float = 0
                for k in 0..<d { dot += a[i * d + k] * b[first * d + k]; na += a[i * d + k] * a[i * d + k]; nb += b[first * d + k] * b[first * d + k] }
                if dot / (na * nb).squareRoot() < minCosine { continue }
            }
            result.append(DescriptorMatch(index0: i, index1: first, distance: best))
        }
        return result
    }

    func testAgreesWithBruteForceAcrossTiles() {
        // Sizes straddle the 1024 tile so that tile borders are exercised.
        let d = 16
        let a = randomDescriptors(1040, d, seed: 1)
        var b = randomDescriptors(1030, d, seed: 2)
        // Plant 300 true correspondences: b[j] ≈ a[j * 3].
        for j in 0..<300 { for k in 0..<d { b[j * d + k] = a[(j * 3) * d + k] + 0.001 * Float(k % 3) } }
        for options in [MatchingOptions(), MatchingOptions(mutual: true, ratio: 0.8), MatchingOptions(mutual: false, ratio: 0.9),
                        MatchingOptions(mutual: true, maxDistance: 0.5)] {
            let fast = DescriptorMatcher.match(a, b, dimension: d, options: options)
            let slow = bruteForce(a, b, d, options)
            XCTAssertEqual(fast.map { [$0.index0, $0.index1] }, slow.map { [$0.index0, $0.index1] }, "\(options)")
            for (f, s) in zip(fast, slow) { XCTAssertEqual(f.distance, s.distance, accuracy: 1e-3) }
        }
        let planted = DescriptorMatcher.match(a, b, dimension: d, options: MatchingOptions(ratio: 0.8))
        XCTAssertGreaterThanOrEqual(planted.filter { $0.index0 == $0.index1 * 3 }.count, 299)
    }

    /// Guided matching equals the brute-force reference run with the disallowed pairs' distances
    /// set to infinity (they can be neither nearest nor second nearest).
    func testGuidedMatchingComparesOnlyAllowedPairs() {
        let d = 16
        let a = randomDescriptors(1100, d, seed: 3)
        var b = randomDescriptors(1050, d, seed: 4)
        for j in 0..<200 { for k in 0..<d { b[j * d + k] = a[(j * 5) * d + k] + 0.002 * Float(k % 4) } }
        var g = Generator(state: 9)
        // Horizontal lines y = c; points in the unit square: about a fifth of the pairs allowed.
        let lines = (0..<1100).map { _ in SIMD3<Float>(0, 1, -g.next()) }
        let points = (0..<1050).map { _ in SIMD2<Float>(g.next(), g.next()) }
        let guide = EpipolarGuide(lines0: lines, points1: points, threshold: 0.1)
        for options in [MatchingOptions(), MatchingOptions(mutual: true, ratio: 0.8), MatchingOptions(mutual: false, ratio: 0.9)] {
            let fast = DescriptorMatcher.match(a, b, dimension: d, options: options, guide: guide)
            let slow = bruteForceGuided(a, b, d, options, allowed: { abs(points[$1].y + lines[$0].z) <= 0.1 })
            XCTAssertEqual(fast.map { [$0.index0, $0.index1] }, slow.map { [$0.index0, $0.index1] }, "\(options)")
            XCTAssertTrue(fast.allSatisfy { abs(points[$0.index1].y + lines[$0.index0].z) <= 0.1 })
            XCTAssertNotEqual(fast.map(\.index1), DescriptorMatcher.match(a, b, dimension: d, options: options).map(\.index1))
        }
    }

    func bruteForceGuided(_ a: [Float], _ b: [Float], _ d: Int, _ options: MatchingOptions,
                          allowed: (Int, Int) -> Bool) -> [DescriptorMatch] {
        let n0 = a.count / d, n1 = b.count / d
        var distance = [Float](repeating: .infinity, count: n0 * n1)
        for i in 0..<n0 {
            for j in 0..<n1 where allowed(i, j) {
                var s: Float = 0
                for k in 0..<d { let x = a[i * d + k] - b[j * d + k]; s += x * x }
                distance[i * n1 + j] = s.squareRoot()
            }
        }
        var result: [DescriptorMatch] = []
        for i in 0..<n0 {
            let order = (0..<n1).sorted { distance[i * n1 + $0] < distance[i * n1 + $1] }
            let best = distance[i * n1 + order[0]]
            guard best.isFinite else { continue }
            let j = order[0]
            if options.mutual && (0..<n0).min(by: { distance[$0 * n1 + j] < distance[$1 * n1 + j] }) != i { continue }
            if let ratio = options.ratio, n1 > 1, !(best <= ratio * distance[i * n1 + order[1]]) { continue }
            result.append(DescriptorMatch(index0: i, index1: j, distance: best))
        }
        return result
    }

    func unit(_ x: [Float], _ d: Int) -> [Float] {
        stride(from: 0, to: x.count, by: d).flatMap { start -> [Float] in
            let v = x[start..<(start + d)], norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
            return v.map { $0 / norm }
        }
    }

    /// The cosine floor (XFeat's `min_cossim`) on unit descriptors: the matches whose cosine,
    /// computed from the descriptors, reaches it; and the same as the distance √(2 − 2c).
    func testCosineFloorOnUnitDescriptors() {
        let d = 64
        let a = unit(randomDescriptors(1300, d, seed: 5), d)
        var b = randomDescriptors(1100, d, seed: 6)
        for j in 0..<400 { for k in 0..<d { b[j * d + k] = a[(j * 3) * d + k] + 0.02 * Float(j % 7) * (Float(k % 5) - 2) } }
        b = unit(b, d)
        let floor = MatchingOptions(mutual: true, minCosine: 0.82)
        let fast = DescriptorMatcher.match(a, b, dimension: d, options: floor)
        XCTAssertEqual(fast.map { [$0.index0, $0.index1] }, bruteForce(a, b, d, floor).map { [$0.index0, $0.index1] })
        let all = DescriptorMatcher.match(a, b, dimension: d, options: MatchingOptions(mutual: true))
        XCTAssertGreaterThan(fast.count, 100)
        XCTAssertLessThan(fast.count, all.count, "the floor drops some mutual matches")
        let distance = DescriptorMatcher.match(a, b, dimension: d, options: MatchingOptions(mutual: true, maxDistance: (2 - 2 * 0.82 as Float).squareRoot()))
        XCTAssertEqual(fast.map(\.index0), distance.map(\.index0))
        XCTAssertThrowsError(try MatchingOptions(minCosine: 1.5).validate())
    }

    /// Equal descriptors (repeated, in different lanes and tiles of the scan): with OpenBLAS on
    /// several threads their products with a query come out bit-equal and the lower index wins
    /// both ways, as a scan in order gives; on one thread (as the stages run it, `BLASThreads`)
    /// they can differ in the last bit, and either copy may win. So the test holds both
    /// configurations to what is fixed: each match is the brute-force one (same ratio and
    /// mutual rules) or an identical copy of it, on either side.
    func testEqualDescriptorsMatchAsBruteForceUpToTheCopy() {
        for threads in [1, 2] {
            BLASThreads.set(threads)
            assertTies(threads: threads)
        }
        BLASThreads.set(1)
    }

    func assertTies(threads: Int) {
        let d = 8
        var a = randomDescriptors(1100, d, seed: 7)
        var b = randomDescriptors(1090, d, seed: 8)
        for (copy, of) in [(21, 5), (1029, 5), (40, 37), (1080, 1050), (17, 3)] { for k in 0..<d { b[copy * d + k] = b[of * d + k] } }
        for (copy, of) in [(1030, 9), (50, 9), (33, 1), (1099, 1098)] { for k in 0..<d { a[copy * d + k] = a[of * d + k] } }
        for j in [5, 37, 1050, 3] { for k in 0..<d { a[(j + 7) * d + k] = b[j * d + k] } }
        // Each descriptor's first identical copy.
        func canonical(_ x: [Float], _ i: Int) -> Int {
            (0...i).first { j in (0..<d).allSatisfy { x[j * d + $0] == x[i * d + $0] } }!
        }
        for options in [MatchingOptions(), MatchingOptions(mutual: true, ratio: 0.9), MatchingOptions(mutual: false, ratio: 1)] {
            let fast = DescriptorMatcher.match(a, b, dimension: d, options: options)
            XCTAssertEqual(fast.map { [canonical(a, $0.index0), canonical(b, $0.index1)] },
                           bruteForce(a, b, d, options).map { [canonical(a, $0.index0), canonical(b, $0.index1)] }, "\(options), \(threads) BLAS threads")
        }
    }

    func testEmptyAndInvalid() {
        XCTAssertTrue(DescriptorMatcher.match([], [1, 2], dimension: 2).isEmpty)
        XCTAssertThrowsError(try MatchingOptions(ratio: 1.5).validate())
        XCTAssertThrowsError(try MatchingOptions(maxDistance: -1).validate())
    }
}
