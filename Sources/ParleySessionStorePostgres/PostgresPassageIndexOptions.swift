import Foundation

/// How the PostgreSQL passage index behaves, beyond where it connects.
public struct PostgresPassageIndexOptions: Sendable {
    /// The PostgreSQL text search configuration for stemming and stop words (`english`, `german`,
    /// `simple`, … as listed by `SELECT cfgname FROM pg_ts_config`). Checked against the database
    /// when the tables are made; an unknown name fails with the list of known ones.
    public var textSearchConfiguration: String
    /// Names the vectors in the embeddings cache (the embeddings deployment), so vectors of another
    /// model are never mixed in. "" when no embeddings are used.
    public var embeddingModel: String
    /// How long passages handed out for embedding stay reserved for that replica (other replicas skip
    /// them): longer than embedding one batch takes with its retries; a crashed replica's claim lapses.
    public var embeddingClaim: Duration
    /// Longest wait for one index operation (connecting and a whole file's replacement included).
    public var operationTimeout: Duration
    /// Longest wait for a TCP connection to PostgreSQL.
    public var connectTimeout: Duration
    /// The schema to use (`search_path`); nil uses the user's default (normally `public`).
    public var searchPath: String?

    public init(textSearchConfiguration: String = "english", embeddingModel: String = "", embeddingClaim: Duration = .seconds(120),
                operationTimeout: Duration = .seconds(30), connectTimeout: Duration = .seconds(3), searchPath: String? = nil) {
        self.textSearchConfiguration = textSearchConfiguration
        self.embeddingModel = embeddingModel
        self.embeddingClaim = embeddingClaim
        self.operationTimeout = operationTimeout
        self.connectTimeout = connectTimeout
        self.searchPath = searchPath
    }

    /// A plain identifier (letters, digits, "_", at most 63 bytes): what a settings reader can check
    /// before any database is reached. Whether the configuration exists is checked at start.
    public static func isWellFormedConfigurationName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, name.utf8.count <= 63 else { return false }
        let letters = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_")
        let rest = letters.union(CharacterSet(charactersIn: "0123456789"))
        return letters.contains(first) && name.unicodeScalars.allSatisfy(rest.contains)
    }
}
