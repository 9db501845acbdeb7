import Logging

/// Finds the passages of the team's documents that go into the prompt for a question (issue 14):
/// the retriever's best passages, numbered, as many as fit their own token budget
/// (PARLEY_CONTEXT_TOKENS, separate from the history budget).
public struct DocumentGrounding: Sendable {
    public let retriever: any PassageRetriever
    /// Estimated tokens (chars/4 + 3 per passage, as `PromptBuilder.estimatedTokens`) the passages may use.
    public let tokenBudget: Int
    /// How many passages are asked for; the budget usually admits fewer.
    public let searchLimit: Int

    public init(retriever: any PassageRetriever, tokenBudget: Int, searchLimit: Int = 8) {
        self.retriever = retriever
        self.tokenBudget = max(0, tokenBudget)
        self.searchLimit = max(1, searchLimit)
    }

    /// What is searched for a question: the question itself, or for a short follow-up with few words
    /// of its own ("And for part-time staff?") the previous question too, so the follow-up finds the
    /// passages of the topic the conversation is on.
    static func query(for question: String, history: [ChatTurn]) -> String {
        guard let previous = history.last?.question, ExtractiveAnswer.terms(of: question).count < followUpTerms else {
            return question
        }
        return previous + "\n" + question
    }

    /// A question with fewer of its own search words than this is read as a follow-up.
    static let followUpTerms = 3

    /// The numbered passages for `question`. A retriever that fails is logged and the answer goes on
    /// without documents (an empty list): a broken index must not stop people from asking.
    func citations(for question: String, history: [ChatTurn] = [], logger: Logger) async -> [Citation] {
        let found: [DocumentPassage]
        do {
            found = try await retriever.search(Self.query(for: question, history: history), limit: searchLimit)
        } catch is CancellationError {
            return []
        } catch {
            logger.error(
                "document retrieval failed; answering without documents (ungrounded)",
                metadata: ["error": "\(error)"])
            return []
        }
        return Self.fitting(found, budget: tokenBudget)
    }

    /// The passages, best first, that fit `budget`; one that does not fit is left out and smaller
    /// ones after it may still go in. Numbered 1… in that order.
    static func fitting(_ passages: [DocumentPassage], budget: Int) -> [Citation] {
        var used = 0
        var kept: [Citation] = []
        var seen = Set<String>()
        for passage in passages where !seen.contains(passage.id) {
            let cost = estimatedTokens(passage)
            guard used + cost <= budget else { continue }
            seen.insert(passage.id)
            used += cost
            kept.append(Citation(n: kept.count + 1, passage: passage))
        }
        return kept
    }

    /// What a passage costs in the prompt: its text and its header line, estimated like a message.
    static func estimatedTokens(_ passage: DocumentPassage) -> Int {
        let header = passage.title.count + passage.path.count + passage.headings.reduce(0) { $0 + $1.count + 3 } + 12
        return (passage.text.count + header + 3) / 4 + 3
    }
}
