import ArgumentParser
import Foundation
import ParleyDocuments
import ParleyTestSupport

/// `make eval` and `make bench-docs`: measures retrieval over sample-docs/ against
/// Tests/eval/questions.json, or indexes a synthetic corpus and reports time and memory.
/// A developer tool: not in the image.
@main
struct ParleyEval: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "parley-eval",
        abstract: "Recall@1, recall@5 and MRR of keyword, semantic and fused document retrieval."
    )

    @Option(help: "The documents folder.")
    var docs = "sample-docs"

    @Option(help: "The question set (JSON).")
    var questions = "Tests/eval/questions.json"

    @Flag(help: "List the questions whose expected passage is not in the top 5.")
    var misses = false

    @Option(help: "Instead of evaluating, index a synthetic corpus of this many passages and report time and peak memory.")
    var bench: Int?

    @Option(help: "With --bench: write the synthetic corpus into this (new) folder and keep it, so `make bench` can index the same files with sqlite3 as the reference.")
    var corpus: String?

    func run() async throws {
        if let bench {
            try await SyntheticBenchmark(passages: bench, keepIn: corpus.map { URL(fileURLWithPath: $0) }).run()
            return
        }
        let set = try JSONDecoder().decode(QuestionSet.self, from: Data(contentsOf: URL(fileURLWithPath: questions)))
        let index = try await SQLitePassageIndex.open(path: nil)
        do {
            // The fake Azure OpenAI embeddings endpoint's own function, called directly: the same
            // deterministic vectors without an HTTP hop per question.
            let embedder: DocumentLibrary.Embedder = { $0.map { HashedWordEmbedding.vector(for: $0) } }
            let library = DocumentLibrary(root: URL(fileURLWithPath: docs), index: index, embedder: embedder)
            let status = try await library.refresh()
            print("\(status.files) files, \(status.passages) passages, \(set.questions.count) questions (\(docs))")
            if let error = status.lastError { print("index error: \(error)") }
            let vectors = VectorSearch(index: index, embedder: embedder, library: library)
            print("")
            print("| retrieval | recall@1 | recall@5 | MRR@10 |")
            print("|---|---|---|---|")
            var missed: [String: [String]] = [:]
            for mode in DocumentRetriever.Mode.allCases {
                let retriever = DocumentRetriever(index: index, mode: mode, vectors: vectors)
                let score = try await RetrievalScore.measure(retriever, set.questions)
                print("| \(mode.rawValue)\(mode == .semantic ? " (hashed words)" : "") | \(Self.format(score.recallAt1)) | \(Self.format(score.recallAt5)) | \(Self.format(score.mrr)) |")
                missed[mode.rawValue] = score.missedAt5
            }
            if misses {
                for mode in DocumentRetriever.Mode.allCases {
                    print("\n\(mode.rawValue): not in the top 5")
                    for question in missed[mode.rawValue] ?? [] { print("  - \(question)") }
                }
            }
            try await index.close()
        } catch {
            try? await index.close()
            throw error
        }
    }

    static func format(_ value: Double) -> String { String(format: "%.3f", value) }
}
