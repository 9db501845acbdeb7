/// What a stored turn keeps of one citation its answer was given: enough to link `[n]` to the
/// passage and show it in the Sources list after a reload, not the passage text itself (the link
/// fetches that from `/documents/{id}`, so a re-indexed passage is fetched fresh or reported gone).
public struct CitedPassage: Sendable, Equatable, Codable {
    public var n: Int
    /// The passage's id in the index, for `GET /documents/{id}`.
    public var passageID: String
    public var title: String
    public var path: String
    /// The headings joined with " › ", as `Citation.heading`.
    public var heading: String
    /// At most `snippetChars` characters of the passage, on one line.
    public var snippet: String

    /// A snippet is at most this many characters (cut at a word, with "…"): enough to recognise the
    /// passage under the answer; the whole passage is at its URL.
    public static let snippetChars = 240

    /// Most citations kept with one turn. The prompt gets `DocumentGrounding.searchLimit` (8)
    /// passages at most; this bounds a stored turn even if that setting grows.
    public static let maxPerTurn = 10

    public init(n: Int, passageID: String, title: String, path: String, heading: String, snippet: String) {
        self.n = n
        self.passageID = passageID
        self.title = title
        self.path = path
        self.heading = heading
        self.snippet = snippet
    }

    public init(_ citation: Citation) {
        self.init(
            n: citation.n, passageID: citation.passage.id, title: citation.passage.title, path: citation.passage.path,
            heading: citation.heading, snippet: Self.snippet(of: citation.passage.text))
    }

    /// What a turn stores of the citations its answer was given: nil when there were none (so the
    /// turn looks as before issue 14), else at most `maxPerTurn`, in prompt order.
    public static func kept(from citations: [Citation]?) -> [CitedPassage]? {
        guard let citations, !citations.isEmpty else { return nil }
        return citations.prefix(maxPerTurn).map(CitedPassage.init)
    }

    /// The passage on one line, whitespace collapsed, cut at a word to `snippetChars`.
    public static func snippet(of text: String) -> String {
        let line = text.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        guard line.count > snippetChars else { return line }
        let prefix = line.prefix(snippetChars - 1)
        let atWord = prefix.lastIndex(of: " ").map { prefix[..<$0] } ?? prefix
        return String(atWord) + "…"
    }

    enum CodingKeys: String, CodingKey {
        case n, passageID = "passage_id", title, path, heading, snippet
    }
}
