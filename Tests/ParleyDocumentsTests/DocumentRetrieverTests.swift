import Foundation
import Testing

@testable import ParleyDocuments

@Suite("Retrieval modes and rank fusion")
struct DocumentRetrieverTests {
    @Test func fusionAddsReciprocalRanks() {
        let fused = RankFusion.fuse([["a", "b", "c"], ["c", "a", "d"]])
        let score = Dictionary(uniqueKeysWithValues: fused.map { ($0.id, $0.score) })
        #expect(abs(score["a"]! - (1.0 / 61 + 1.0 / 62)) < 1e-12)
        #expect(abs(score["c"]! - (1.0 / 63 + 1.0 / 61)) < 1e-12)
        #expect(abs(score["b"]! - 1.0 / 62) < 1e-12)
        #expect(abs(score["d"]! - 1.0 / 63) < 1e-12)
        #expect(fused.map(\.id) == ["a", "c", "b", "d"])
        // Ties keep first-seen order.
        #expect(RankFusion.fuse([["x"], ["y"]]).map(\.id) == ["x", "y"])
    }

    @Test func cosineSimilarity() {
        #expect(VectorSearch.cosine([1, 0], [1, 0]) == 1)
        #expect(VectorSearch.cosine([1, 0], [0, 1]) == 0)
        #expect(VectorSearch.cosine([1, 0], [1, 0, 0]) == 0)
        #expect(VectorSearch.cosine([0, 0], [1, 0]) == 0)
    }

    @Test func semanticAndFusedSearchUseTheEmbedderAndItsCache() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try folder.write("cats.md", "# Cats\n\nFelines purr and sleep.\n")
        try folder.write("dogs.md", "# Dogs\n\nCanines bark and fetch.\n")
        let calls = EmbedCalls()
        // Two hand-made dimensions: "pet noise" questions point at whichever animal they name.
        let embedder: DocumentLibrary.Embedder = { texts in
            await calls.add(texts.count)
            return texts.map { text in
                let lower = text.lowercased()
                return [lower.contains("purr") || lower.contains("feline") ? 1 : 0, lower.contains("bark") || lower.contains("canine") ? 1 : 0.1]
            }
        }
        let index = try await SQLitePassageIndex.open(path: nil)
        let library = DocumentLibrary(root: folder.url, index: index, embedder: embedder)
        try await library.refresh()
        #expect(await calls.texts == 2)
        try await library.refresh()
        #expect(await calls.texts == 2, "cached by content hash: nothing embedded again")

        let vectors = VectorSearch(index: index, embedder: embedder, library: library)
        let semantic = DocumentRetriever(index: index, mode: .semantic, vectors: vectors)
        // No shared word with either passage: only the vectors can answer.
        #expect(try await semantic.search("which feline?", limit: 1).map(\.path) == ["cats.md"])
        #expect(try await semantic.search("a canine", limit: 2).map(\.path) == ["dogs.md", "cats.md"])

        let fused = DocumentRetriever(index: index, mode: .fused, vectors: vectors)
        #expect(try await fused.search("dogs feline", limit: 2).map(\.path).sorted() == ["cats.md", "dogs.md"])
        let keyword = DocumentRetriever(index: index, mode: .fused)
        #expect(keyword.mode == .keyword)
        #expect(try await keyword.search("bark", limit: 2).map(\.path) == ["dogs.md"])
        try await index.close()
    }
}

actor EmbedCalls {
    var texts = 0
    func add(_ count: Int) { texts += count }
}

@Suite("Fused retrieval when embeddings fail")
struct FusedFallbackTests {
    struct EmbeddingsDown: Error {}

    @Test func fusedFallsBackToKeywordWhenTheEmbedderFails() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try folder.write("a.md", "# Alpha\n\nThe alpha passage.\n")
        try await withMemoryIndex { index in
            let library = DocumentLibrary(root: folder.url, index: index)
            try await library.refresh()
            let failing: DocumentLibrary.Embedder = { _ in throw EmbeddingsDown() }
            let vectors = VectorSearch(index: index, embedder: failing, library: library)
            let fused = DocumentRetriever(index: index, mode: .fused, vectors: vectors)
            #expect(try await fused.search("alpha", limit: 3).map(\.path) == ["a.md"])
            let semantic = DocumentRetriever(index: index, mode: .semantic, vectors: vectors)
            await #expect(throws: EmbeddingsDown.self) { try await semantic.search("alpha", limit: 3) }
        }
    }

    @Test func concurrentRefreshesShareOneRun() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        for n in 0..<20 { try folder.write("f\(n).md", "# F\(n)\n\nfile number \(n)\n") }
        try await withMemoryIndex { index in
            let library = DocumentLibrary(root: folder.url, index: index)
            async let first = library.refresh()
            async let second = library.refresh()
            let (a, b) = try await (first, second)
            #expect(a.files == 20)
            #expect(b.files == 20)
            #expect(await library.filesRead == 20)
        }
    }
}
