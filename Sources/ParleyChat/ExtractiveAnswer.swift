/// The offline answer from the team's documents (issue 14): with no model to write an answer, the
/// best passages are quoted as they are, each with its `[n]` citation, so a laptop with nothing but
/// a folder of documents still answers from them.
enum ExtractiveAnswer {
    /// Passages quoted at most (the retriever's best first).
    static let maxQuotes = 3
    /// Characters of one quote at most; longer passages are cut at a word.
    static let maxQuoteChars = 480

    static func text(question: String, citations: [Citation]) -> String {
        guard !citations.isEmpty else {
            return """
                Parley is running in **offline mode** (no model is configured), and nothing in your documents \
                matches “\(question)”. Try other words, or connect a model: set `OPENAI_API_BASE` and \
                `DEPLOYMENT_NAME` and restart Parley (`parley doctor` checks the setup).
                """
        }
        var text = """
            Parley is running in **offline mode** (no model is configured), so this answer quotes the \
            passages of your documents that best match your question:
            """
        let terms = Self.terms(of: question)
        for citation in citations.prefix(maxQuotes) {
            let quote = Self.quote(from: citation.passage.text, terms: terms)
            text += "\n\n> \(quote) [\(citation.n)]\n\n— *\(citation.source)* (`\(citation.passage.path)`)"
        }
        text += """
            \n\nTo get answers written from these documents by a model, set `OPENAI_API_BASE` and \
            `DEPLOYMENT_NAME` and restart Parley.
            """
        return text
    }

    /// The question's words worth matching: lower-case, three letters or more, not a common word.
    static func terms(of question: String) -> Set<String> {
        Set(words(question).filter { $0.count >= 3 && !stopWords.contains($0) })
    }

    /// The run of up to three sentences sharing the most of the question's words, on one line (a
    /// Markdown quote), cut at a word to `maxQuoteChars`. Without any match: the passage's start.
    static func quote(from passage: String, terms: Set<String>) -> String {
        let sentences = Self.sentences(of: passage)
        guard !sentences.isEmpty else { return "" }
        let scores = sentences.map { sentence in Set(words(sentence)).intersection(terms).count }
        // A quote starts at a sentence that matches (when any does) and ends at the last one that does.
        var best = 0
        var bestScore = -1
        for start in sentences.indices where scores[start] > 0 {
            let score = scores[start..<min(start + 3, sentences.count)].reduce(0, +)
            if score > bestScore {
                best = start
                bestScore = score
            }
        }
        var end = min(best + 3, sentences.count)
        while end > best + 1, scores[end - 1] == 0 { end -= 1 }
        var quote = ""
        for sentence in sentences[best..<end] {
            let next = quote.isEmpty ? sentence : quote + " " + sentence
            if next.count > maxQuoteChars {
                if quote.isEmpty { quote = cut(sentence) }
                break
            }
            quote = next
        }
        return quote
    }

    /// The passage's sentences, whitespace collapsed. Lines of one paragraph are joined first (Markdown
    /// wraps sentences across lines); a blank line, a list item, a heading or a table row starts anew.
    static func sentences(of text: String) -> [String] {
        var blocks: [String] = []
        var current = ""
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = raw.drop { $0.isWhitespace }
            if line.isEmpty || startsBlock(line) {
                if !current.isEmpty { blocks.append(current) }
                current = String(line)
            } else {
                current += current.isEmpty ? String(line) : " " + line
            }
        }
        if !current.isEmpty { blocks.append(current) }
        var sentences: [String] = []
        for block in blocks {
            var sentence = ""
            let characters = Array(block)
            for (index, character) in characters.enumerated() {
                sentence.append(character)
                let atEnd = index + 1 == characters.count || characters[index + 1].isWhitespace
                if ".!?".contains(character), atEnd {
                    sentences.append(sentence)
                    sentence = ""
                }
            }
            sentences.append(sentence)
        }
        return sentences
            .map { $0.split(whereSeparator: \.isWhitespace).joined(separator: " ") }
            .filter { !$0.isEmpty }
    }

    /// A line that begins its own block: a list item, a heading, a table row or a quote.
    private static func startsBlock(_ line: Substring) -> Bool {
        guard let first = line.first else { return true }
        if "#|>".contains(first) { return true }
        if "-*+".contains(first), line.dropFirst().first == " " { return true }
        let digits = line.prefix { $0.isNumber }
        return !digits.isEmpty && line.dropFirst(digits.count).hasPrefix(". ")
    }

    private static func cut(_ sentence: String) -> String {
        let prefix = sentence.prefix(maxQuoteChars)
        let atWord = prefix.lastIndex(of: " ").map { prefix[..<$0] } ?? prefix
        return String(atWord) + " …"
    }

    private static func words(_ text: String) -> [String] {
        text.lowercased().split { !$0.isLetter && !$0.isNumber }.map(String.init)
    }

    private static let stopWords: Set<String> = [
        "the", "and", "for", "are", "but", "not", "you", "your", "all", "any", "can", "how", "what", "when", "where",
        "which", "who", "why", "does", "did", "has", "have", "with", "from", "that", "this", "there", "their", "about",
        "into", "our", "out", "was", "were", "will", "would", "should", "could", "its", "than", "then", "them", "they",
        "use", "get", "set", "do", "is", "it", "of", "to", "in", "on", "a", "an", "or", "be", "i", "we", "my", "me",
    ]
}
