/// Brute-force cosine similarity over the index's vectors, reloaded when the library's generation
/// changes. A team's documents are a few thousand passages: a scan of them takes milliseconds.
public actor VectorSearch {
    let index: any PassageIndex
    let embedder: DocumentLibrary.Embedder
    let library: DocumentLibrary?
    private var cached: (generation: Int, vectors: [PassageVector])?

    public init(index: any PassageIndex, embedder: @escaping DocumentLibrary.Embedder, library: DocumentLibrary? = nil) {
        self.index = index
        self.embedder = embedder
        self.library = library
    }

    /// Passage ids best first, at most `limit`.
    public func search(_ query: String, limit: Int) async throws -> [String] {
        guard limit > 0, !query.trimmingCharactersWhitespace.isEmpty else { return [] }
        let vectors = try await embedder([query])
        guard let queryVector = vectors.first, vectors.count == 1 else {
            throw DocumentRetrievalError.embeddingCountMismatch(expected: 1, received: vectors.count)
        }
        let candidates = try await loadVectors()
        let scored = candidates.map { ($0.passageID, Self.cosine(queryVector, $0.vector)) }
        return scored.sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }.prefix(limit).map(\.0)
    }

    private func loadVectors() async throws -> [PassageVector] {
        let generation = await library?.generation ?? -1
        if let cached, cached.generation == generation, generation >= 0 { return cached.vectors }
        let vectors = try await index.passageVectors()
        cached = (generation, vectors)
        return vectors
    }

    /// Cosine similarity; 0 for a zero vector or different dimensions.
    public static func cosine(_ a: [Float], _ b: [Float]) -> Float {
        guard a.count == b.count, !a.isEmpty else { return 0 }
        var dot: Float = 0, normA: Float = 0, normB: Float = 0
        for i in a.indices {
            dot += a[i] * b[i]
            normA += a[i] * a[i]
            normB += b[i] * b[i]
        }
        guard normA > 0, normB > 0 else { return 0 }
        return dot / (normA.squareRoot() * normB.squareRoot())
    }
}

extension String {
    var trimmingCharactersWhitespace: Substring {
        drop(while: { $0.isWhitespace })
    }
}
