import Crypto
import Foundation

/// A deterministic, local "embedding": the search words of a text (stemmed crudely by cutting
/// common English endings) hashed into a fixed number of dimensions, counted, then normalized.
/// Not semantic at all beyond shared words, but stable across runs and machines, so `make eval`
/// and the tests can measure the semantic and fused paths without an Azure OpenAI deployment.
public enum HashedWordEmbedding {
    public static func embed(_ texts: [String], dimensions: Int = 256) -> [[Float]] {
        texts.map { vector(for: $0, dimensions: dimensions) }
    }

    static func vector(for text: String, dimensions: Int) -> [Float] {
        var vector = [Float](repeating: 0, count: dimensions)
        for word in SearchTerms.words(text) {
            let digest = SHA256.hash(data: Data(stem(word).utf8))
            let bytes = Array(digest.prefix(8))
            let bucket = Int(bytes[0...3].reduce(UInt32(0)) { $0 << 8 | UInt32($1) } % UInt32(dimensions))
            // A second hash bit gives the sign, so unrelated words cancel out rather than pile up.
            vector[bucket] += bytes[4] & 1 == 0 ? 1 : -1
        }
        let norm = vector.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return norm > 0 ? vector.map { $0 / norm } : vector
    }

    static func stem(_ word: String) -> String {
        for suffix in ["ing", "ed", "es", "s"] where word.count > suffix.count + 3 && word.hasSuffix(suffix) {
            return String(word.dropLast(suffix.count))
        }
        return word
    }
}
