import Foundation
import Logging
import ParleyChat
import ParleyDocuments
import ParleyOutbound
import PostgresNIO
import ServiceLifecycle

/// The document index in PostgreSQL (issue 14), for `PARLEY_SESSION_STORE=postgres`: every replica
/// shares one index, built once.
/// - Keyword search is PostgreSQL's own full-text search: a generated `tsvector` column (title
///   weighted A, headings B, text D; the text search configuration from the options), a GIN index,
///   `websearch_to_tsquery` and `ts_rank_cd` (see `keywordSearch`).
/// - `replace(file:passages:)` runs in one transaction under a transaction-level advisory lock on the
///   file's path: of several replicas that noticed the same change, one writes and the others wait,
///   then find the same content hash recorded and write no passages.
/// - The embedding backlog is claimed per content hash, so replicas embed different passages.
/// - Embeddings are cached by (model, passage content hash) as `real[]`.
/// Any database failure becomes `PostgresPassageIndexError.unavailable` with a reason.
public final class PostgresPassageIndex: PassageIndex, Service {
    /// The first key of the per-file advisory locks ("pars" in ASCII); the second is `hashtext(path)`.
    /// The two-key lock space is separate from the migration's one-key lock.
    static let fileLockClass: Int32 = 0x7061_7273

    private let options: PostgresPassageIndexOptions
    private let source: PostgresConnectionSource
    private let schema: SchemaGate
    private let explainer: OutageExplainer
    private let logger: Logger

    /// - Parameter password: the password for new connections: fixed, or a Microsoft Entra token from
    ///   the process's token cache (as for `PostgresSessionStore`).
    public init(settings: PostgresConnectionSettings, options: PostgresPassageIndexOptions,
                password: @escaping @Sendable () async throws -> String?, logger: Logger) {
        self.options = options
        self.logger = logger
        source = PostgresConnectionSource(
            settings: settings, password: password, searchPath: options.searchPath, connectTimeout: options.connectTimeout,
            logger: logger)
        explainer = OutageExplainer(settings: settings, password: password)
        let configuration = options.textSearchConfiguration
        schema = SchemaGate(logger: logger, name: "document index", version: PostgresSchema.documentsVersion) { client, logger in
            try await PostgresSchema.migrateDocuments(client, textSearchConfiguration: configuration, logger: logger)
        }
    }

    // MARK: Lifecycle

    /// Creates the tables now (and checks the text search configuration), so a bad setting or an
    /// unreachable database shows at start rather than at the first question.
    public func prepare() async throws {
        try await perform { _ in }
    }

    /// nil when the database answers and the tables are in place, else why not (for `/readyz`).
    public func readiness() async -> String? {
        do {
            try await perform { client in try await client.query("SELECT 1", logger: self.logger) }
            return nil
        } catch {
            return "\(error)"
        }
    }

    /// Waits for graceful shutdown, then closes the connections.
    public func run() async throws {
        try? await gracefulShutdown()
        await shutdown()
    }

    public func shutdown() async {
        await source.close()
    }

    // MARK: Files

    public func files() async throws -> [IndexedFile] {
        try await perform { client in
            var files: [IndexedFile] = []
            let rows = try await client.query(
                "SELECT path, size, modification_time, content_hash FROM parley_doc_files ORDER BY path", logger: self.logger)
            for try await (path, size, time, hash) in rows.decode((String, Int64, Double, String).self) {
                files.append(IndexedFile(path: path, size: size, modificationTime: time, contentHash: hash))
            }
            return files
        }
    }

    public func replace(file: IndexedFile, passages: [IndexedPassage]) async throws {
        let rows = PostgresPassageRows(passages)
        let written = try await perform { client in
            try await client.withTransaction(logger: self.logger) { connection -> Bool in
                try await connection.query(
                    "SELECT pg_advisory_xact_lock(\(Self.fileLockClass), hashtext(\(file.path)))", logger: self.logger)
                let current = try await connection.query(
                    "SELECT content_hash FROM parley_doc_files WHERE path = \(file.path)", logger: self.logger
                ).collectStrings().first
                // Another replica indexed this very content while we waited for the lock (or before), or
                // the file was only touched: record its size and time (so it is not read again), nothing else.
                if current == file.contentHash {
                    try await connection.query(
                        """
                        UPDATE parley_doc_files SET size = \(file.size), modification_time = \(file.modificationTime)
                        WHERE path = \(file.path)
                        """, logger: self.logger)
                    return false
                }
                try await connection.query(
                    """
                    INSERT INTO parley_doc_files (path, size, modification_time, content_hash, indexed_at)
                    VALUES (\(file.path), \(file.size), \(file.modificationTime), \(file.contentHash), now())
                    ON CONFLICT (path) DO UPDATE SET size = EXCLUDED.size, modification_time = EXCLUDED.modification_time,
                        content_hash = EXCLUDED.content_hash, indexed_at = EXCLUDED.indexed_at
                    """, logger: self.logger)
                try await connection.query("DELETE FROM parley_doc_passages WHERE path = \(file.path)", logger: self.logger)
                guard !rows.ids.isEmpty else { return true }
                try await connection.query(
                    """
                    INSERT INTO parley_doc_passages
                        (id, path, ordinal, title, headings, heading_text, line_start, line_end, body, content_hash)
                    SELECT id, \(file.path), (ordinal - 1)::integer, title, headings::jsonb, heading_text, line_start, line_end,
                        body, content_hash
                    FROM unnest(\(rows.ids)::text[], \(rows.titles)::text[], \(rows.headings)::text[],
                                \(rows.headingTexts)::text[], \(rows.lineStarts)::integer[], \(rows.lineEnds)::integer[],
                                \(rows.bodies)::text[], \(rows.contentHashes)::text[])
                        WITH ORDINALITY AS t(id, title, headings, heading_text, line_start, line_end, body, content_hash, ordinal)
                    ON CONFLICT (id) DO UPDATE SET path = EXCLUDED.path, ordinal = EXCLUDED.ordinal, title = EXCLUDED.title,
                        headings = EXCLUDED.headings, heading_text = EXCLUDED.heading_text, line_start = EXCLUDED.line_start,
                        line_end = EXCLUDED.line_end, body = EXCLUDED.body, content_hash = EXCLUDED.content_hash
                    """, logger: self.logger)
                return true
            }
        }
        logger.debug(written ? "document indexed" : "document unchanged, already indexed (by this or another replica)",
                     metadata: ["path": "\(file.path)", "passages": "\(rows.ids.count)"])
    }

    public func remove(path: String) async throws {
        try await perform { client in
            // The passages go with the file (ON DELETE CASCADE).
            try await client.query("DELETE FROM parley_doc_files WHERE path = \(path)", logger: self.logger)
        }
    }

    // MARK: Search

    /// Finds passages holding any word of the question (a question in a person's words rarely matches
    /// a passage word for word, and `websearch_to_tsquery` alone demands every word). Passages that
    /// match the whole `websearch_to_tsquery` (every word, "quoted phrases", -excluded words) come
    /// first; within each group `ts_rank_cd` orders them (title weighs most, then headings, then text).
    /// The question is only ever a bound parameter; `websearch_to_tsquery` never fails on any input.
    public func keywordSearch(_ query: String, limit: Int) async throws -> [DocumentPassage] {
        let configuration = options.textSearchConfiguration
        let limit = max(0, limit)
        guard limit > 0, !query.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { return [] }
        return try await perform { client in
            let rows = try await client.query(
                """
                WITH q AS (
                    SELECT websearch_to_tsquery(\(configuration)::regconfig, \(query)) AS every_word,
                        coalesce((SELECT string_agg(quote_literal(lexeme), ' | ')
                                  FROM unnest(tsvector_to_array(to_tsvector(\(configuration)::regconfig, \(query)))) AS lexeme
                                  WHERE strpos(lexeme, E'\\\\') = 0), '')::tsquery AS any_word
                )
                SELECT id, path, title, headings::text, line_start, line_end, body
                FROM parley_doc_passages, q
                WHERE search @@ q.any_word
                ORDER BY search @@ q.every_word DESC, ts_rank_cd(search, q.any_word) DESC, path, ordinal
                LIMIT \(limit)
                """, logger: self.logger)
            return try await Self.passages(from: rows)
        }
    }

    public func passage(id: String) async throws -> DocumentPassage? {
        try await perform { client in
            let rows = try await client.query(
                "SELECT id, path, title, headings::text, line_start, line_end, body FROM parley_doc_passages WHERE id = \(id)",
                logger: self.logger)
            return try await Self.passages(from: rows).first
        }
    }

    public func passageCount() async throws -> Int {
        try await perform { client in
            var count = 0
            for try await value in try await client.query("SELECT count(*) FROM parley_doc_passages", logger: self.logger)
                .decode(Int.self) { count = value }
            return count
        }
    }

    // MARK: Embeddings cache

    public func embeddings(for contentHashes: [String]) async throws -> [String: [Float]] {
        guard !contentHashes.isEmpty else { return [:] }
        let model = options.embeddingModel
        return try await perform { client in
            var vectors: [String: [Float]] = [:]
            let rows = try await client.query(
                """
                SELECT content_hash, vector FROM parley_doc_embeddings
                WHERE model = \(model) AND content_hash = ANY(\(contentHashes)::text[])
                """, logger: self.logger)
            for try await (hash, vector) in rows.decode((String, [Float]).self) { vectors[hash] = vector }
            return vectors
        }
    }

    /// One statement per vector length: every vector of a length goes up as one flat `real[]` and is
    /// cut into rows by the server, instead of one round trip per vector.
    public func storeEmbeddings(_ vectors: [String: [Float]]) async throws {
        let model = options.embeddingModel
        let byLength = Dictionary(grouping: vectors.filter { !$0.value.isEmpty }, by: { $0.value.count })
        guard !byLength.isEmpty else { return }
        try await perform { client in
            for (length, group) in byLength {
                let hashes = group.map(\.key)
                let flat = group.flatMap(\.value)
                try await client.query(
                    """
                    INSERT INTO parley_doc_embeddings (model, content_hash, vector)
                    SELECT \(model), hash, (\(flat)::real[])[((position - 1) * \(length) + 1)::integer : (position * \(length))::integer]
                    FROM unnest(\(hashes)::text[]) WITH ORDINALITY AS t(hash, position)
                    ON CONFLICT (model, content_hash) DO UPDATE SET vector = EXCLUDED.vector, created_at = now()
                    """, logger: self.logger)
                try await client.query(
                    "DELETE FROM parley_doc_embedding_claims WHERE model = \(model) AND content_hash = ANY(\(hashes)::text[])",
                    logger: self.logger)
            }
        }
    }

    /// The backlog is shared by the replicas: each call claims the content hashes it returns for
    /// `embeddingClaim` (one row each in `parley_doc_embedding_claims`), so replicas refreshing at
    /// the same time embed different passages instead of paying for the same ones; a claim whose
    /// replica died or failed lapses by itself. One passage per content hash (the vector is shared).
    public func passagesWithoutEmbedding(limit: Int) async throws -> [IndexedPassage] {
        let model = options.embeddingModel
        let claimSeconds = options.embeddingClaim.seconds
        return try await perform { client in
            let rows = try await client.query(
                """
                WITH pending AS (
                    SELECT DISTINCT ON (p.content_hash) p.id, p.path, p.ordinal, p.title, p.headings, p.line_start,
                        p.line_end, p.body, p.content_hash
                    FROM parley_doc_passages p
                    WHERE NOT EXISTS (SELECT 1 FROM parley_doc_embeddings e
                                      WHERE e.model = \(model) AND e.content_hash = p.content_hash)
                      AND NOT EXISTS (SELECT 1 FROM parley_doc_embedding_claims c
                                      WHERE c.model = \(model) AND c.content_hash = p.content_hash AND c.claimed_until > now())
                    ORDER BY p.content_hash, p.path, p.ordinal
                    LIMIT \(max(0, limit))
                ), claimed AS (
                    INSERT INTO parley_doc_embedding_claims (model, content_hash, claimed_until)
                    SELECT \(model), content_hash, now() + make_interval(secs => \(claimSeconds)) FROM pending
                    ON CONFLICT (model, content_hash) DO UPDATE SET claimed_until = EXCLUDED.claimed_until
                        WHERE parley_doc_embedding_claims.claimed_until <= now()
                    RETURNING content_hash
                )
                SELECT pending.id, pending.path, pending.title, pending.headings::text, pending.line_start, pending.line_end,
                    pending.body, pending.content_hash
                FROM pending JOIN claimed ON claimed.content_hash = pending.content_hash
                ORDER BY pending.path, pending.ordinal
                """, logger: self.logger)
            var passages: [IndexedPassage] = []
            for try await (id, path, title, headings, start, end, body, hash)
                in rows.decode((String, String, String, String, Int, Int, String, String).self)
            {
                passages.append(IndexedPassage(
                    passage: DocumentPassage(id: id, path: path, title: title, headings: Self.headings(headings),
                                             lineStart: start, lineEnd: end, text: body),
                    contentHash: hash))
            }
            return passages
        }
    }

    public func passageVectors() async throws -> [PassageVector] {
        let model = options.embeddingModel
        return try await perform { client in
            var vectors: [PassageVector] = []
            let rows = try await client.query(
                """
                SELECT p.id, e.vector FROM parley_doc_passages p
                JOIN parley_doc_embeddings e ON e.model = \(model) AND e.content_hash = p.content_hash
                ORDER BY p.path, p.ordinal
                """, logger: self.logger)
            for try await (id, vector) in rows.decode((String, [Float]).self) {
                vectors.append(PassageVector(passageID: id, vector: vector))
            }
            return vectors
        }
    }

    // MARK: Plumbing

    private static func passages(from rows: PostgresRowSequence) async throws -> [DocumentPassage] {
        var passages: [DocumentPassage] = []
        for try await (id, path, title, headings, start, end, body)
            in rows.decode((String, String, String, String, Int, Int, String).self)
        {
            passages.append(DocumentPassage(id: id, path: path, title: title, headings: Self.headings(headings),
                                            lineStart: start, lineEnd: end, text: body))
        }
        return passages
    }

    private static func headings(_ json: String) -> [String] {
        (try? JSONDecoder().decode([String].self, from: Data(json.utf8))) ?? []
    }

    /// The error inside a failed transaction (the migration's or a file's replacement).
    private static func underlying(_ error: any Error) -> any Error {
        guard let transaction = error as? PostgresTransactionError else { return error }
        return transaction.closureError ?? transaction.beginError ?? transaction.commitError ?? error
    }

    /// Runs `body` within `operationTimeout`, after the tables are in place; a lost connection is
    /// retried once on another. Failures become `PostgresPassageIndexError`, with the reason found by
    /// one direct connection attempt (refused, TLS, login), as for the session store.
    @discardableResult
    private func perform<T: Sendable>(_ body: @escaping @Sendable (PostgresClient) async throws -> T) async throws -> T {
        var attempt = 0
        while true {
            attempt += 1
            if let reason = await explainer.recentOutage() {
                throw PostgresPassageIndexError.unavailable(reason)
            }
            do {
                let limit = options.operationTimeout
                return try await Deadline.runAbandoning(within: limit, timedOut: { PostgresStoreFailure.timedOut(limit) }) {
                    let client = try await self.source.client()
                    try await self.schema.ensure(client)
                    return try await body(client)
                }
            } catch is CancellationError where Task.isCancelled {
                throw CancellationError()
            } catch {
                let underlying = Self.underlying(error)
                if let error = underlying as? PostgresPassageIndexError { throw error }
                let failure = PostgresStoreFailure(underlying)
                if failure.isConnectionLost && attempt < 2 { continue }
                let reason = await explainer.diagnose(failure).reason
                logger.warning("document index operation failed", metadata: ["reason": "\(reason)"])
                throw PostgresPassageIndexError.unavailable(reason)
            }
        }
    }
}

/// The passages of one file as columns, for one `INSERT … SELECT FROM unnest(…)`. A duplicate id
/// keeps its first passage (one statement may not write a row twice).
private struct PostgresPassageRows: Sendable {
    var ids: [String] = []
    var titles: [String] = []
    var headings: [String] = []
    var headingTexts: [String] = []
    var lineStarts: [Int32] = []
    var lineEnds: [Int32] = []
    var bodies: [String] = []
    var contentHashes: [String] = []

    init(_ passages: [IndexedPassage]) {
        var seen = Set<String>()
        for indexed in passages where seen.insert(indexed.passage.id).inserted {
            let passage = indexed.passage
            ids.append(passage.id)
            titles.append(Self.withoutNUL(passage.title))
            let json = (try? JSONEncoder().encode(passage.headings.map(Self.withoutNUL))).map { String(decoding: $0, as: UTF8.self) }
            headings.append(json ?? "[]")
            headingTexts.append(Self.withoutNUL(passage.headings.joined(separator: "\n")))
            lineStarts.append(Int32(clamping: passage.lineStart))
            lineEnds.append(Int32(clamping: passage.lineEnd))
            bodies.append(Self.withoutNUL(passage.text))
            contentHashes.append(indexed.contentHash)
        }
    }

    /// PostgreSQL text cannot hold NUL; the scanner skips binary files, this is the last guard.
    static func withoutNUL(_ text: String) -> String {
        text.contains("\u{0}") ? text.replacingOccurrences(of: "\u{0}", with: "") : text
    }
}
