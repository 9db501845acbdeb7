import Logging
import PostgresNIO

/// The passage index's tables (issue 14), created like the session tables: in one transaction under
/// the same advisory lock, so replicas starting together take turns and the later ones find the work
/// done.
///
/// The `search` column is generated (`tsvector`, title weighted A, headings B, text D) with the text
/// search configuration baked in, since a generated column takes no parameters. The configuration in
/// use is recorded in `parley_doc_index_settings`; a replica started with another one rebuilds the
/// column (and its GIN index) once, in the same transaction.
extension PostgresSchema {
    static let documentsVersion = 1

    static func migrateDocuments(_ client: PostgresClient, textSearchConfiguration: String, logger: Logger) async throws {
        guard PostgresPassageIndexOptions.isWellFormedConfigurationName(textSearchConfiguration) else {
            throw PostgresPassageIndexError.unknownTextSearchConfiguration(textSearchConfiguration, available: [])
        }
        try await client.withTransaction(logger: logger) { connection in
            try await connection.query(lockMigration, logger: logger)
            let known = try await connection.query(
                "SELECT cfgname::text FROM pg_ts_config ORDER BY cfgname", logger: logger
            ).collectStrings()
            guard known.contains(textSearchConfiguration) else {
                throw PostgresPassageIndexError.unknownTextSearchConfiguration(textSearchConfiguration, available: known)
            }
            for statement in documentStatements(textSearchConfiguration: textSearchConfiguration) {
                try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
            }
            let stored = try await connection.query(
                "SELECT text_search_config FROM parley_doc_index_settings", logger: logger
            ).collectStrings().first
            if let stored, stored != textSearchConfiguration {
                logger.warning("the document index's text search configuration changed; rebuilding its search column",
                               metadata: ["from": "\(stored)", "to": "\(textSearchConfiguration)"])
                for statement in rebuildSearchColumn(textSearchConfiguration: textSearchConfiguration) {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
            }
            try await connection.query(
                """
                INSERT INTO parley_doc_index_settings (id, text_search_config, version)
                VALUES (true, \(textSearchConfiguration), \(documentsVersion))
                ON CONFLICT (id) DO UPDATE SET text_search_config = EXCLUDED.text_search_config, version = EXCLUDED.version
                """, logger: logger)
        }
    }

    /// The generated search vector. `configuration` was checked against pg_ts_config and is a plain
    /// identifier (`isWellFormedConfigurationName`), so quoting it as a literal is safe.
    static func searchVector(_ configuration: String) -> String {
        let config = "'\(configuration)'::regconfig"
        return """
            setweight(to_tsvector(\(config), title), 'A') || setweight(to_tsvector(\(config), heading_text), 'B') \
            || setweight(to_tsvector(\(config), body), 'D')
            """
    }

    static func documentStatements(textSearchConfiguration: String) -> [String] {
        [
            """
            CREATE TABLE IF NOT EXISTS parley_doc_index_settings (
                id boolean PRIMARY KEY CHECK (id),
                text_search_config text NOT NULL,
                version integer NOT NULL
            )
            """,
            """
            CREATE TABLE IF NOT EXISTS parley_doc_files (
                path text PRIMARY KEY,
                size bigint NOT NULL,
                modification_time double precision NOT NULL,
                content_hash text NOT NULL,
                indexed_at timestamptz NOT NULL DEFAULT now()
            )
            """,
            """
            CREATE TABLE IF NOT EXISTS parley_doc_passages (
                id text PRIMARY KEY,
                path text NOT NULL REFERENCES parley_doc_files (path) ON DELETE CASCADE,
                ordinal integer NOT NULL,
                title text NOT NULL,
                headings jsonb NOT NULL,
                heading_text text NOT NULL,
                line_start integer NOT NULL,
                line_end integer NOT NULL,
                body text NOT NULL,
                content_hash text NOT NULL,
                search tsvector GENERATED ALWAYS AS (\(searchVector(textSearchConfiguration))) STORED
            )
            """,
            "CREATE INDEX IF NOT EXISTS parley_doc_passages_search ON parley_doc_passages USING gin (search)",
            "CREATE INDEX IF NOT EXISTS parley_doc_passages_path ON parley_doc_passages (path, ordinal)",
            "CREATE INDEX IF NOT EXISTS parley_doc_passages_content_hash ON parley_doc_passages (content_hash)",
            // Vectors by embedding model and passage content hash: the same text, in another file or
            // after a restart, is never embedded twice; another model's vectors are never mixed in.
            """
            CREATE TABLE IF NOT EXISTS parley_doc_embeddings (
                model text NOT NULL,
                content_hash text NOT NULL,
                vector real[] NOT NULL,
                created_at timestamptz NOT NULL DEFAULT now(),
                PRIMARY KEY (model, content_hash)
            )
            """,
            // Which replica is embedding which content hashes, until when (see `passagesWithoutEmbedding`).
            """
            CREATE TABLE IF NOT EXISTS parley_doc_embedding_claims (
                model text NOT NULL,
                content_hash text NOT NULL,
                claimed_until timestamptz NOT NULL,
                PRIMARY KEY (model, content_hash)
            )
            """,
        ]
    }

    static func rebuildSearchColumn(textSearchConfiguration: String) -> [String] {
        [
            "ALTER TABLE parley_doc_passages DROP COLUMN search",
            "ALTER TABLE parley_doc_passages ADD COLUMN search tsvector GENERATED ALWAYS AS (\(searchVector(textSearchConfiguration))) STORED",
            "CREATE INDEX IF NOT EXISTS parley_doc_passages_search ON parley_doc_passages USING gin (search)",
        ]
    }
}

extension PostgresRowSequence {
    /// The first column of every row, as text.
    func collectStrings() async throws -> [String] {
        var values: [String] = []
        for try await value in decode(String.self) { values.append(value) }
        return values
    }
}
