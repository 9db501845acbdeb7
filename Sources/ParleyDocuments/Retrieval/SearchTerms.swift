/// Turns a question as typed into the words worth searching for, for FTS5 and for the PostgreSQL
/// index alike: letters and digits only (so no query syntax can get through: quotes, NEAR, `*`,
/// parentheses, `column:` filters all fall apart into plain words), lowercased, stop words dropped.
public enum SearchTerms {
    /// Common English function words and question words: they match everything and rank nothing.
    static let stopWords: Set<String> = [
        "a", "about", "an", "and", "are", "as", "at", "be", "by", "can", "could", "do", "does", "for", "from",
        "how", "i", "if", "in", "into", "is", "it", "its", "me", "my", "of", "on", "or", "our", "should", "so",
        "that", "the", "their", "then", "there", "these", "this", "to", "was", "we", "what", "when", "where",
        "which", "who", "why", "will", "with", "would", "you", "your", "get", "got", "use", "using", "have", "has",
        "not", "no", "any", "all", "some", "there", "after", "before", "than", "them", "they", "am", "been", "did",
        "near", "tell", "explain", "please",
    ]

    /// The distinct search words of `question`, in order.
    public static func words(_ question: String) -> [String] {
        var seen: Set<String> = []
        var words: [String] = []
        for piece in question.lowercased().split(whereSeparator: { !($0.isLetter || $0.isNumber) }) {
            let word = String(piece)
            guard !stopWords.contains(word), seen.insert(word).inserted else { continue }
            words.append(word)
        }
        return words
    }

    /// An FTS5 MATCH expression: each word quoted as a string and OR'ed (BM25 then favours passages
    /// holding more and rarer words). Nil when nothing is left to search for.
    /// https://www.sqlite.org/fts5.html#full_text_query_syntax
    public static func fts5Query(_ question: String) -> String? {
        let words = words(question)
        guard !words.isEmpty else { return nil }
        // Words hold only letters and digits, so the quotes cannot be closed early.
        return words.map { "\"\($0)\"" }.joined(separator: " OR ")
    }
}
