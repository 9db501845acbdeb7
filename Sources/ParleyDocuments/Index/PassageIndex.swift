import ParleyChat

/// Where the passages of PARLEY_DOCS_DIR are kept and searched (issue 14). Two implementations:
/// `SQLitePassageIndex` (FTS5, embedded, the default) and the PostgreSQL index in
/// ParleySessionStorePostgres (tsvector, shared by every replica). `DocumentLibrary` is the only
/// writer; it decides what changed and hands over whole files, so an index needs no file logic.
public protocol PassageIndex: Sendable {
    /// Every file the index holds, with what it looked like when it was read (for change detection).
    func files() async throws -> [IndexedFile]

    /// Replaces the passages of `file.path` (none, some or all of them new) with `passages` and
    /// records `file`, atomically: a search sees either the old passages or the new ones.
    func replace(file: IndexedFile, passages: [IndexedPassage]) async throws

    /// Forgets a file and its passages (the file was deleted or is now skipped). No-op when unknown.
    func remove(path: String) async throws

    /// Full-text search over title, headings and text, best first, at most `limit`. `query` is the
    /// user's question as typed: the index turns it into its own safe query syntax (no injection).
    func keywordSearch(_ query: String, limit: Int) async throws -> [DocumentPassage]

    /// One passage by its id, or nil.
    func passage(id: String) async throws -> DocumentPassage?

    /// How many passages the index holds.
    func passageCount() async throws -> Int

    // MARK: Embeddings cache, keyed by passage content hash (a restart or a moved file pays nothing).

    /// The cached vectors for these content hashes; hashes without a vector are absent.
    func embeddings(for contentHashes: [String]) async throws -> [String: [Float]]

    /// Stores vectors by content hash (replacing any previous vector for the same hash).
    func storeEmbeddings(_ vectors: [String: [Float]]) async throws

    /// Passages whose content hash has no cached vector yet, at most `limit` (the embedding backlog).
    func passagesWithoutEmbedding(limit: Int) async throws -> [IndexedPassage]

    /// Every passage that has a vector, for brute-force cosine search (a few thousand passages
    /// of a team's documents fit in memory; an ANN index would be premature).
    func passageVectors() async throws -> [PassageVector]
}
