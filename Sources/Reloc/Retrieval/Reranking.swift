import Features
import Formats

/// Re-ranking one query's retrieved candidates by local matches, as `reloc pairs --rerank` does
/// for each query of a batch and `reloc serve` for each request: each candidate scored by its
/// mutual nearest-neighbour matches with the query (ratio 0.9), the best first, ties in the
/// global order.
enum Reranking {
    /// A candidate's score: its mutual nearest-neighbour matches with the query (ratio 0.9); −1
    /// when either has no features or their descriptors differ in dimension.
    static func score(_ query: ImageFeatures?, _ candidate: ImageFeatures?) -> Int {
        guard let query, let candidate, query.descriptorDimension == candidate.descriptorDimension else { return -1 }
        return DescriptorMatcher.match(query.descriptors, candidate.descriptors, dimension: query.descriptorDimension,
                                       options: MatchingOptions(mutual: true, ratio: 0.9)).count
    }

    /// Candidate positions by score, best first; ties keep the global order.
    static func order(_ scores: [Int]) -> [Int] {
        scores.indices.sorted { (scores[$0], -$0) > (scores[$1], -$1) }
    }
}
