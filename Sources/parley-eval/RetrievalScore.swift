import ParleyChat
import ParleyDocuments

/// Recall@k (the share of questions with an expected passage in the top k) and mean reciprocal
/// rank of the first expected passage within the top 10.
struct RetrievalScore {
    var recallAt1: Double
    var recallAt5: Double
    var mrr: Double
    var missedAt5: [String]

    static func measure(_ retriever: DocumentRetriever, _ questions: [QuestionSet.Question]) async throws -> RetrievalScore {
        var at1 = 0, at5 = 0
        var reciprocal = 0.0
        var missed: [String] = []
        for question in questions {
            let results = try await retriever.search(question.question, limit: 10)
            let rank = results.firstIndex { passage in question.expected.contains { answers($0, passage) } }.map { $0 + 1 }
            if let rank {
                if rank == 1 { at1 += 1 }
                if rank <= 5 { at5 += 1 }
                reciprocal += 1 / Double(rank)
            }
            if (rank ?? 99) > 5 { missed.append(question.question) }
        }
        let count = Double(max(1, questions.count))
        return RetrievalScore(recallAt1: Double(at1) / count, recallAt5: Double(at5) / count, mrr: reciprocal / count, missedAt5: missed)
    }

    static func answers(_ expected: QuestionSet.Expected, _ passage: DocumentPassage) -> Bool {
        guard passage.path == expected.file else { return false }
        if let heading = expected.heading, (passage.headings.last ?? passage.title) != heading { return false }
        if let phrase = expected.contains, !passage.text.localizedCaseInsensitiveContains(phrase) { return false }
        return true
    }
}
