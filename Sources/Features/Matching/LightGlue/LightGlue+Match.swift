import Foundation

extension LightGlue {
    /// Matches two images' keypoints: the published forward pass, with adaptive depth and width
    /// as `options` say.
    /// - Precondition: each input holds `inputDimension` floats per keypoint.
    public func match(_ image0: Input, _ image1: Input, options: Options = Options()) -> Result {
        let m = image0.keypoints.count, n = image1.keypoints.count
        precondition(image0.descriptors.count == m * inputDimension && image1.descriptors.count == n * inputDimension,
                     "LightGlue needs \(inputDimension) floats per keypoint")
        let earlyStop = options.depthConfidence > 0, pruning = options.widthConfidence > 0
        var (x0, x1) = BothSides.run(parallel: options.parallel) { side in
            let input = side == 0 ? image0 : image1
            let tokens = TokenMatrix(rows: input.keypoints.count, columns: inputDimension, data: input.descriptors)
            return inputProjection.map { $0(tokens) } ?? tokens
        }
        var encoding0 = RotaryEncoding(normalizedKeypoints: Self.normalize(image0), weights: positionalWeights)
        var encoding1 = RotaryEncoding(normalizedKeypoints: Self.normalize(image1), weights: positionalWeights)
        var kept0 = Array(0..<m), kept1 = Array(0..<n)
        var prune0 = [Int](repeating: 1, count: m), prune1 = [Int](repeating: 1, count: n)
        var layer = 0
        while layer < layers.count {
            if x0.rows == 0 || x1.rows == 0 { break }
            layers[layer].apply(&x0, &x1, encoding0, encoding1, parallel: options.parallel)
            if layer == layers.count - 1 { break }
            var tokens0: [Float]?, tokens1: [Float]?
            if earlyStop {
                let confidence = tokenConfidences[layer]
                tokens0 = confidence(x0).data.map(DenseMath.sigmoid)
                tokens1 = confidence(x1).data.map(DenseMath.sigmoid)
                let threshold = confidenceThresholds[layer]
                let unconfident = tokens0!.filter { $0 < threshold }.count + tokens1!.filter { $0 < threshold }.count
                // As published: points already pruned count as confident (the total is m + n).
                if 1 - Float(unconfident) / Float(m + n) > options.depthConfidence { break }
            }
            if pruning {
                let floor = 1 - options.widthConfidence, threshold = confidenceThresholds[layer]
                func keep(_ x: TokenMatrix, _ tokens: [Float]?) -> [Int] {
                    let matchable = assignments[layer].matchabilityScores(x)
                    // Low-confidence points are never pruned.
                    return matchable.indices.filter { i in matchable[i] > floor || (tokens.map { $0[i] <= threshold } ?? false) }
                }
                let keep0 = keep(x0, tokens0), keep1 = keep(x1, tokens1)
                x0 = x0.selecting(rows: keep0); encoding0 = encoding0.selecting(rows: keep0); kept0 = keep0.map { kept0[$0] }
                x1 = x1.selecting(rows: keep1); encoding1 = encoding1.selecting(rows: keep1); kept1 = keep1.map { kept1[$0] }
                for i in kept0 { prune0[i] += 1 }
                for j in kept1 { prune1[j] += 1 }
            }
            layer += 1
        }
        if !pruning {
            prune0 = [Int](repeating: layers.count, count: m); prune1 = [Int](repeating: layers.count, count: n)
        }
        var result = Result(matches0: [Int](repeating: -1, count: m), matches1: [Int](repeating: -1, count: n),
                            scores0: [Float](repeating: 0, count: m), scores1: [Float](repeating: 0, count: n),
                            stopLayer: layer + 1, prune0: prune0, prune1: prune1)
        guard x0.rows > 0, x1.rows > 0 else { return result }
        let filtered = assignments[layer].filter(x0, x1, threshold: options.filterThreshold)
        for (k, i) in kept0.enumerated() {
            result.matches0[i] = filtered.matches0[k] < 0 ? -1 : kept1[filtered.matches0[k]]
            result.scores0[i] = filtered.scores0[k]
        }
        for (k, j) in kept1.enumerated() {
            result.matches1[j] = filtered.matches1[k] < 0 ? -1 : kept0[filtered.matches1[k]]
            result.scores1[j] = filtered.scores1[k]
        }
        return result
    }

    /// `normalize_keypoints`: centred on the image and divided by half its longer side.
    static func normalize(_ input: Input) -> TokenMatrix {
        let shift = input.imageSize / 2, scale = max(input.imageSize.x, input.imageSize.y) / 2
        var data = [Float]()
        data.reserveCapacity(2 * input.keypoints.count)
        for p in input.keypoints { data.append((p.x - shift.x) / scale); data.append((p.y - shift.y) / scale) }
        return TokenMatrix(rows: input.keypoints.count, columns: 2, data: data)
    }
}
