import Foundation
import Logging
import ParleyChat
import SQLiteNIO

/// The embedded index: SQLite with an FTS5 table ranked by BM25, in a file (kept across restarts,
/// with its embeddings) or in memory. Writes come from one `DocumentLibrary`, which runs one
/// refresh at a time, and each file's swap is one transaction. In a file, searches use a second
/// connection and WAL, so they see the last committed state, never a file half swapped; in memory
/// (one connection only: sqlite-nio builds SQLite without shared cache) a search during a swap
/// may miss that one file's passages.
public final class SQLitePassageIndex: PassageIndex {
    /// BM25 column weights (title, headings, text): a word in a heading says more about a passage
    /// than the same word in its body. Tuned on Tests/eval/questions.json (`make eval`).
    public static let columnWeights = (title: 2.0, headings: 4.0, text: 1.0)

    /// Writes (and, in memory, everything).
    let connection: SQLiteConnection
    /// Searches and lookups.
    let reader: SQLiteConnection

    private init(connection: SQLiteConnection, reader: SQLiteConnection) {
        self.connection = connection
        self.reader = reader
    }

    /// Opens (creating when needed) the index at `path`, or in memory for nil or ":memory:".
    public static func open(path: String?, logger: Logger = Logger(label: "parley.documents")) async throws -> SQLitePassageIndex {
        guard let path, path != ":memory:" else {
            let connection = try await SQLiteConnection.open(storage: .memory, logger: logger)
            let index = SQLitePassageIndex(connection: connection, reader: connection)
            try await index.closing { try await index.createSchema() }
            return index
        }
        let connection = try await SQLiteConnection.open(storage: .file(path: path), logger: logger)
        let reader: SQLiteConnection
        do {
            reader = try await SQLiteConnection.open(storage: .file(path: path), logger: logger)
        } catch {
            try? await connection.close()
            throw error
        }
        let index = SQLitePassageIndex(connection: connection, reader: reader)
        try await index.closing { try await index.createSchema() }
        return index
    }

    /// Runs `body`, closing the connections when it throws (sqlite-nio asserts they are closed).
    private func closing(_ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch {
            try? await close()
            throw error
        }
    }

    public func close() async throws {
        if reader !== connection { try await reader.close() }
        try await connection.close()
    }

    func createSchema() async throws {
        let statements = [
            "PRAGMA journal_mode=WAL",
            """
            CREATE TABLE IF NOT EXISTS files (path TEXT PRIMARY KEY, size INTEGER NOT NULL,
              mtime REAL NOT NULL, content_hash TEXT NOT NULL)
            """,
            """
            CREATE TABLE IF NOT EXISTS passages (rowid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE,
              path TEXT NOT NULL, title TEXT NOT NULL, headings TEXT NOT NULL, headings_text TEXT NOT NULL, line_start INTEGER NOT NULL,
              line_end INTEGER NOT NULL, text TEXT NOT NULL, content_hash TEXT NOT NULL)
            """,
            "CREATE INDEX IF NOT EXISTS passages_path ON passages(path)",
            "CREATE INDEX IF NOT EXISTS passages_hash ON passages(content_hash)",
            // Porter stemming over unicode61 so "deploying" finds "deploy". https://www.sqlite.org/fts5.html#tokenizers
            """
            CREATE VIRTUAL TABLE IF NOT EXISTS passages_fts USING fts5(title, headings, text,
              tokenize='porter unicode61')
            """,
            "CREATE TABLE IF NOT EXISTS embeddings (content_hash TEXT PRIMARY KEY, vector BLOB NOT NULL)",
        ]
        for statement in statements {
            _ = try await connection.query(statement, [])
        }
    }

    public func files() async throws -> [IndexedFile] {
        try await connection.query("SELECT path, size, mtime, content_hash FROM files ORDER BY path", []).map { row in
            IndexedFile(
                path: row.column("path")?.string ?? "",
                size: Int64(row.column("size")?.integer ?? 0),
                modificationTime: row.column("mtime")?.double ?? 0,
                contentHash: row.column("content_hash")?.string ?? ""
            )
        }
    }

    public func replace(file: IndexedFile, passages: [IndexedPassage]) async throws {
        try await transaction {
            try await self.deletePassages(path: file.path)
            _ = try await self.connection.query(
                "INSERT OR REPLACE INTO files (path, size, mtime, content_hash) VALUES (?, ?, ?, ?)",
                [.text(file.path), .integer(Int(file.size)), .float(file.modificationTime), .text(file.contentHash)]
            )
            // Many rows per statement: each statement is a hop to sqlite-nio's thread pool, and
            // one per passage made indexing 10k passages take seconds longer (scripts: make bench-docs).
            for chunk in stride(from: 0, to: passages.count, by: Self.rowsPerInsert).map({ passages[$0..<min($0 + Self.rowsPerInsert, passages.count)] }) {
                var binds: [SQLiteData] = []
                for indexed in chunk {
                    let passage = indexed.passage
                    let headings = String(decoding: try JSONEncoder().encode(passage.headings), as: UTF8.self)
                    binds += [.text(passage.id), .text(passage.path), .text(passage.title), .text(headings),
                              .text(passage.headings.joined(separator: " / ")), .integer(passage.lineStart),
                              .integer(passage.lineEnd), .text(passage.text), .text(indexed.contentHash)]
                }
                // The same text twice in one file gives one id; the first copy is enough.
                _ = try await self.connection.query(
                    """
                    INSERT OR IGNORE INTO passages (id, path, title, headings, headings_text, line_start, line_end, text, content_hash)
                    VALUES \(Array(repeating: "(?, ?, ?, ?, ?, ?, ?, ?, ?)", count: chunk.count).joined(separator: ", "))
                    """,
                    binds
                )
            }
            _ = try await self.connection.query(
                "INSERT INTO passages_fts (rowid, title, headings, text) SELECT rowid, title, headings_text, text FROM passages WHERE path = ?",
                [.text(file.path)]
            )
        }
    }

    /// 9 binds a row: 100 rows stay far below SQLite's 32766 bound variables.
    static let rowsPerInsert = 100

    public func remove(path: String) async throws {
        try await transaction {
            try await self.deletePassages(path: path)
            _ = try await self.connection.query("DELETE FROM files WHERE path = ?", [.text(path)])
        }
    }

    private func deletePassages(path: String) async throws {
        _ = try await connection.query("DELETE FROM passages_fts WHERE rowid IN (SELECT rowid FROM passages WHERE path = ?)", [.text(path)])
        _ = try await connection.query("DELETE FROM passages WHERE path = ?", [.text(path)])
    }

    private func transaction(_ body: @Sendable () async throws -> Void) async throws {
        _ = try await connection.query("BEGIN IMMEDIATE", [])
        do {
            try await body()
            _ = try await connection.query("COMMIT", [])
        } catch {
            _ = try? await connection.query("ROLLBACK", [])
            throw error
        }
    }

    static let passageColumns = "p.id, p.path, p.title, p.headings, p.line_start, p.line_end, p.text, p.content_hash"

    public func keywordSearch(_ query: String, limit: Int) async throws -> [DocumentPassage] {
        guard limit > 0, let match = SearchTerms.fts5Query(query) else { return [] }
        let weights = Self.columnWeights
        // bm25() is smaller for better matches: ascending order is best first.
        let rows = try await reader.query(
            """
            SELECT \(Self.passageColumns) FROM passages_fts f JOIN passages p ON p.rowid = f.rowid
            WHERE passages_fts MATCH ? ORDER BY bm25(passages_fts, \(weights.title), \(weights.headings), \(weights.text)), p.path, p.line_start
            LIMIT ?
            """,
            [.text(match), .integer(limit)]
        )
        return rows.map { Self.passage($0).passage }
    }

    public func passage(id: String) async throws -> DocumentPassage? {
        try await reader.query("SELECT \(Self.passageColumns) FROM passages p WHERE p.id = ?", [.text(id)]).first.map { Self.passage($0).passage }
    }

    public func passageCount() async throws -> Int {
        try await reader.query("SELECT count(*) AS n FROM passages", []).first?.column("n")?.integer ?? 0
    }

    public func embeddings(for contentHashes: [String]) async throws -> [String: [Float]] {
        var found: [String: [Float]] = [:]
        for hash in contentHashes {
            if let row = try await reader.query("SELECT vector FROM embeddings WHERE content_hash = ?", [.text(hash)]).first,
               case .blob(let buffer)? = row.column("vector") {
                found[hash] = Self.vector(buffer)
            }
        }
        return found
    }

    public func storeEmbeddings(_ vectors: [String: [Float]]) async throws {
        guard !vectors.isEmpty else { return }
        try await transaction {
            for (hash, vector) in vectors {
                _ = try await self.connection.query(
                    "INSERT OR REPLACE INTO embeddings (content_hash, vector) VALUES (?, ?)",
                    [.text(hash), .blob(Self.buffer(vector))]
                )
            }
        }
    }

    public func passagesWithoutEmbedding(limit: Int) async throws -> [IndexedPassage] {
        try await reader.query(
            """
            SELECT \(Self.passageColumns) FROM passages p LEFT JOIN embeddings e ON e.content_hash = p.content_hash
            WHERE e.content_hash IS NULL ORDER BY p.rowid LIMIT ?
            """,
            [.integer(limit)]
        ).map(Self.passage)
    }

    public func passageVectors() async throws -> [PassageVector] {
        try await reader.query(
            "SELECT p.id, e.vector FROM passages p JOIN embeddings e ON e.content_hash = p.content_hash", []
        ).compactMap { row in
            guard let id = row.column("id")?.string, case .blob(let buffer)? = row.column("vector") else { return nil }
            return PassageVector(passageID: id, vector: Self.vector(buffer))
        }
    }

    static func passage(_ row: SQLiteRow) -> IndexedPassage {
        let headingsJSON = row.column("headings")?.string ?? "[]"
        let headings = (try? JSONDecoder().decode([String].self, from: Data(headingsJSON.utf8))) ?? []
        let passage = DocumentPassage(
            id: row.column("id")?.string ?? "",
            path: row.column("path")?.string ?? "",
            title: row.column("title")?.string ?? "",
            headings: headings,
            lineStart: row.column("line_start")?.integer ?? 0,
            lineEnd: row.column("line_end")?.integer ?? 0,
            text: row.column("text")?.string ?? ""
        )
        return IndexedPassage(passage: passage, contentHash: row.column("content_hash")?.string ?? "")
    }

    /// Vectors are stored as little-endian Float32, 4 bytes per dimension.
    static func buffer(_ vector: [Float]) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(vector.count * 4)
        for value in vector { buffer.writeInteger(value.bitPattern, endianness: .little) }
        return buffer
    }

    static func vector(_ buffer: ByteBuffer) -> [Float] {
        var buffer = buffer
        var vector: [Float] = []
        vector.reserveCapacity(buffer.readableBytes / 4)
        while let bits = buffer.readInteger(endianness: .little, as: UInt32.self) {
            vector.append(Float(bitPattern: bits))
        }
        return vector
    }
}
