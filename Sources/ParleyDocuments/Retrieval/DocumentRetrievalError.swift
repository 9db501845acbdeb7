/// Why a semantic search or an embedding run failed.
public enum DocumentRetrievalError: Error, Equatable, CustomStringConvertible {
    case embeddingCountMismatch(expected: Int, received: Int)
    case noEmbedder

    public var description: String {
        switch self {
        case .embeddingCountMismatch(let expected, let received):
            "the embeddings deployment returned \(received) vectors for \(expected) texts"
        case .noEmbedder:
            "semantic retrieval needs PARLEY_EMBEDDING_DEPLOYMENT"
        }
    }
}
