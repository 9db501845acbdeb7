/// A file reduced to plain lines, each knowing the lines of the original file it came from, and
/// which lines are headings: what `PassageSplitter` cuts, whatever the format was.
public struct DocumentText: Sendable, Equatable {
    public struct Line: Sendable, Equatable {
        public var text: String
        /// 1-based lines of the original file this line came from (HTML may join or split lines).
        public var sourceStart: Int
        public var sourceEnd: Int
        /// 1…6 for a heading, nil for body text.
        public var headingLevel: Int?

        public init(text: String, sourceStart: Int, sourceEnd: Int, headingLevel: Int? = nil) {
            self.text = text
            self.sourceStart = sourceStart
            self.sourceEnd = sourceEnd
            self.headingLevel = headingLevel
        }
    }

    /// The HTML <title>, when there is one; otherwise the splitter takes the first heading.
    public var title: String?
    public var lines: [Line]

    public init(title: String? = nil, lines: [Line]) {
        self.title = title
        self.lines = lines
    }
}
