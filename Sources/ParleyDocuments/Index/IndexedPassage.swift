import ParleyChat

/// A passage with the hash of its text, the key of the embeddings cache: the same text in another
/// file, or after a restart, reuses its vector.
public struct IndexedPassage: Sendable, Equatable {
    public var passage: DocumentPassage
    /// SHA-256 of the text that is embedded (title, headings and passage text), lowercase hex.
    public var contentHash: String

    public init(passage: DocumentPassage, contentHash: String) {
        self.passage = passage
        self.contentHash = contentHash
    }
}

/// A passage id and its embedding, for cosine search.
public struct PassageVector: Sendable, Equatable {
    public var passageID: String
    public var vector: [Float]

    public init(passageID: String, vector: [Float]) {
        self.passageID = passageID
        self.vector = vector
    }
}
