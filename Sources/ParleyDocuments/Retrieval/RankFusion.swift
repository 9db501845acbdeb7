/// Reciprocal rank fusion: each list gives an item 1 / (k + rank), rank starting at 1, and the sums
/// decide. It needs no score calibration between BM25 and cosine similarity; k = 60 is the value of
/// Cormack, Clarke and Büttcher, "Reciprocal Rank Fusion outperforms Condorcet and individual Rank
/// Learning Methods", SIGIR 2009 (https://doi.org/10.1145/1571941.1572114).
public enum RankFusion {
    public static let k = 60.0

    /// The fused order of the ids in `rankings` (each best first), best first; ties keep the order
    /// in which ids were first seen.
    public static func fuse(_ rankings: [[String]], k: Double = RankFusion.k) -> [(id: String, score: Double)] {
        var scores: [String: Double] = [:]
        var firstSeen: [String: Int] = [:]
        for ranking in rankings {
            for (offset, id) in ranking.enumerated() {
                scores[id, default: 0] += 1 / (k + Double(offset + 1))
                if firstSeen[id] == nil { firstSeen[id] = firstSeen.count }
            }
        }
        return scores.map { (id: $0.key, score: $0.value) }.sorted {
            $0.score != $1.score ? $0.score > $1.score : firstSeen[$0.id]! < firstSeen[$1.id]!
        }
    }
}
