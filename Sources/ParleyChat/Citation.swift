/// A passage given to the model with its number: the answer cites it as `[n]`.
public struct Citation: Sendable, Equatable {
    /// 1-based, in the order the passages appear in the prompt (best first).
    public var n: Int
    public var passage: DocumentPassage

    public init(n: Int, passage: DocumentPassage) {
        self.n = n
        self.passage = passage
    }

    /// The headings above the passage joined for display, e.g. "Setup › Sign in"; empty when none.
    public var heading: String { passage.headings.joined(separator: " › ") }

    /// "Title › Heading › Subheading" for the prompt and quotes; a first heading that repeats the
    /// title (a Markdown file's `# Title`) is shown once.
    public var source: String {
        var headings = passage.headings[...]
        if headings.first == passage.title { headings = headings.dropFirst() }
        return ([passage.title] + headings).joined(separator: " › ")
    }
}
