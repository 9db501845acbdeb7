/// A deterministic stand-in for an embeddings model: a hashed bag of word stems. Each lowercased
/// word (stop words dropped, a few English suffixes stripped) is hashed with FNV-1a, 64-bit (stable
/// across processes and platforms, unlike `Hasher`) into one of `dimensions` buckets with a sign from
/// another bit of the hash, and the vector is L2-normalised. Texts that share words get a high cosine
/// similarity, texts that share none about zero, so semantic retrieval can be tested and evaluated
/// without a model. The fake Azure OpenAI's embeddings endpoint answers with these vectors; the eval
/// tool calls it directly.
public enum HashedWordEmbedding {
    public static let defaultDimensions = 256

    public static func vector(for text: String, dimensions: Int = defaultDimensions) -> [Float] {
        let size = max(1, dimensions)
        var vector = [Float](repeating: 0, count: size)
        for stem in stems(of: text) {
            let hash = fnv1a(stem)
            let bucket = Int(hash % UInt64(size))
            vector[bucket] += (hash >> 63) == 0 ? 1 : -1
        }
        let norm = vector.reduce(0) { $0 + $1 * $1 }.squareRoot()
        guard norm > 0 else { return vector }
        return vector.map { $0 / norm }
    }

    /// The words of `text`, lowercased and stemmed, without stop words.
    public static func stems(of text: String) -> [String] {
        var words: [String] = []
        var current = ""
        for scalar in text.lowercased().unicodeScalars {
            if scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) {
                current.unicodeScalars.append(scalar)
            } else if !current.isEmpty {
                words.append(current)
                current = ""
            }
        }
        if !current.isEmpty { words.append(current) }
        return words.filter { !stopWords.contains($0) }.map(stem)
    }

    /// A deliberately small Porter-like suffix strip: enough that "tokens"/"token",
    /// "indexing"/"indexed"/"index" and "configure"/"configuration" meet.
    static func stem(_ word: String) -> String {
        for suffix in ["ations", "ation", "ingly", "ings", "ing", "edly", "ed", "ies", "es", "s", "ly"] {
            if word.hasSuffix(suffix), word.count - suffix.count >= 3 {
                let base = String(word.dropLast(suffix.count))
                return suffix == "ies" ? base + "y" : base
            }
        }
        // "configure" meets "configuring" and "configured".
        if word.hasSuffix("e"), word.count > 4 { return String(word.dropLast()) }
        return word
    }

    static func fnv1a(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return hash
    }

    static let stopWords: Set<String> = [
        "a", "an", "and", "are", "as", "at", "be", "by", "can", "do", "does", "for", "from", "how", "i", "if", "in",
        "is", "it", "its", "my", "of", "on", "or", "so", "that", "the", "this", "to", "was", "what", "when", "where",
        "which", "who", "why", "with", "you", "your",
    ]
}
