import Logging
import ParleyChat

/// The `PassageRetriever` ParleyChat asks: keyword (BM25 of the index), semantic (cosine over
/// cached embeddings) or fused (reciprocal rank fusion of both).
public struct DocumentRetriever: PassageRetriever {
    public enum Mode: String, Sendable, CaseIterable {
        case keyword, semantic, fused
    }

    public let index: any PassageIndex
    public let mode: Mode
    let vectors: VectorSearch?
    /// How deep each list is read before fusing: enough for a passage ranked low by one method
    /// and high by the other to surface.
    let fusionDepth: Int
    let logger: Logger

    /// `vectors` is required for semantic and fused; without it those modes fall back to keyword.
    public init(index: any PassageIndex, mode: Mode = .keyword, vectors: VectorSearch? = nil, fusionDepth: Int = 50, logger: Logger = Logger(label: "parley.documents")) {
        self.index = index
        self.mode = vectors == nil ? .keyword : mode
        self.vectors = vectors
        self.fusionDepth = fusionDepth
        self.logger = logger
    }

    public func search(_ query: String, limit: Int) async throws -> [DocumentPassage] {
        guard limit > 0 else { return [] }
        switch mode {
        case .keyword:
            return try await index.keywordSearch(query, limit: limit)
        case .semantic:
            guard let vectors else { throw DocumentRetrievalError.noEmbedder }
            return try await passages(try await vectors.search(query, limit: limit))
        case .fused:
            guard let vectors else { throw DocumentRetrievalError.noEmbedder }
            let depth = max(limit, fusionDepth)
            async let keyword = index.keywordSearch(query, limit: depth)
            async let semantic = vectors.search(query, limit: depth)
            let keywordPassages = try await keyword
            let semanticIDs: [String]
            do {
                semanticIDs = try await semantic
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                // The embeddings deployment failing must not cost the answer its documents.
                logger.warning("documents: semantic search failed, keyword ranking only: \(error)")
                semanticIDs = []
            }
            let fused = RankFusion.fuse([keywordPassages.map(\.id), semanticIDs]).prefix(limit)
            let known = Dictionary(keywordPassages.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
            var result: [DocumentPassage] = []
            for item in fused {
                if let passage = known[item.id] { result.append(passage) } else if let passage = try await index.passage(id: item.id) { result.append(passage) }
            }
            return result
        }
    }

    public func passage(id: String) async throws -> DocumentPassage? {
        try await index.passage(id: id)
    }

    private func passages(_ ids: [String]) async throws -> [DocumentPassage] {
        var result: [DocumentPassage] = []
        for id in ids {
            if let passage = try await index.passage(id: id) { result.append(passage) }
        }
        return result
    }
}
