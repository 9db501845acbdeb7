import Foundation

/// The team's documents (issue 14): where they are, where the index lives and how answers use them.
/// nil in `ParleySettings.documents` when PARLEY_DOCS_DIR is unset (no documents, answers as before).
public struct DocumentSettings: Sendable, Equatable {
    public enum Store: String, Sendable {
        /// SQLite FTS5, in `dataDirectory/documents.sqlite` or in memory.
        case sqlite
        /// PostgreSQL full-text search, shared by every replica (needs PARLEY_SESSION_STORE=postgres).
        case postgres
    }

    /// PARLEY_DOCS_DIR: an existing folder, as given.
    public var directory: String
    /// PARLEY_CONTEXT_TOKENS: estimated tokens the passages of one question may use in the prompt.
    public var contextTokens: Int
    /// PARLEY_EMBEDDING_DEPLOYMENT: an Azure OpenAI embeddings deployment for semantic retrieval.
    public var embeddingDeployment: String?
    /// PARLEY_DATA_DIR: where the SQLite index file lives; nil keeps the index in memory.
    public var dataDirectory: String?
    /// PARLEY_DOCS_STORE.
    public var store: Store
    /// PARLEY_DOCS_LANGUAGE: the PostgreSQL text search configuration (e.g. english, german, simple).
    public var language: String
    /// PARLEY_DOCS_REFRESH: how often the folder is checked for changes; nil never (index at start only).
    public var refreshInterval: Duration?

    /// `$PARLEY_DATA_DIR/documents.sqlite`, or nil for an in-memory index.
    public var sqlitePath: String? {
        dataDirectory.map { URL(fileURLWithPath: $0).appendingPathComponent("documents.sqlite").path }
    }

    var summary: String {
        var parts = ["\(directory)", "\(store.rawValue)"]
        if store == .sqlite { parts.append(sqlitePath ?? "in memory") } else { parts.append("language \(language)") }
        parts.append("context \(contextTokens) tokens")
        parts.append(refreshInterval.map { "checked every \($0.components.seconds) s" } ?? "indexed at start only")
        parts.append(embeddingDeployment.map { "embeddings \($0)" } ?? "keyword only")
        return parts.joined(separator: ", ")
    }
}

extension SettingValues {
    /// The document settings, or nil without PARLEY_DOCS_DIR (then the other document variables must
    /// be unset too, so a typo in the folder's variable is not silently ignored).
    func documents(sessionStore: ParleySettings.SessionStoreKind, offline: Bool) throws -> DocumentSettings? {
        typealias N = SettingNames
        guard let directory = string(N.docsDirectory) else {
            for name in [N.embeddingDeployment, N.docsStore, N.docsLanguage] where string(name) != nil {
                throw SettingsError(name, "needs PARLEY_DOCS_DIR (the folder of documents); set it or unset \(name)")
            }
            return nil
        }
        try Self.checkFolder(directory, variable: N.docsDirectory, fix: "mount or create the folder of documents")
        let dataDirectory = string(N.dataDirectory)
        if let dataDirectory {
            try Self.checkFolder(dataDirectory, variable: N.dataDirectory, fix: "create it (mkdir -p) or unset it to keep the index in memory")
        }
        let store: DocumentSettings.Store
        switch string(N.docsStore)?.lowercased() {
        case nil, "sqlite"?: store = .sqlite
        case "postgres"?: store = .postgres
        case let other?: throw SettingsError(N.docsStore, "'\(other)' is not allowed; use sqlite or postgres")
        }
        if store == .postgres, sessionStore != .postgres {
            throw SettingsError(N.docsStore, "postgres needs PARLEY_SESSION_STORE=postgres (the same database); use sqlite or set both")
        }
        let language = string(N.docsLanguage) ?? "english"
        guard Self.isTextSearchConfiguration(language) else {
            throw SettingsError(
                N.docsLanguage, "'\(language)' is not a PostgreSQL text search configuration name (e.g. english, german, simple)")
        }
        let embeddingDeployment = string(N.embeddingDeployment)
        if let embeddingDeployment {
            if offline {
                throw SettingsError(
                    N.embeddingDeployment, "needs an Azure OpenAI endpoint (OPENAI_API_BASE); set it or unset \(N.embeddingDeployment)")
            }
            guard Self.isDeploymentName(embeddingDeployment) else {
                throw SettingsError(
                    N.embeddingDeployment, "'\(embeddingDeployment)' is not a deployment name (letters, digits, '-', '_', '.')")
            }
        }
        let refresh = try int(N.docsRefresh, default: 60, in: 0...86_400)
        return DocumentSettings(
            directory: directory, contextTokens: try int(N.contextTokens, default: 1500, in: 100...1_000_000),
            embeddingDeployment: embeddingDeployment, dataDirectory: dataDirectory, store: store, language: language,
            refreshInterval: refresh == 0 ? nil : .seconds(refresh))
    }

    private static func checkFolder(_ path: String, variable: String, fix: String) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw SettingsError(variable, "'\(path)' does not exist; \(fix)")
        }
        guard isDirectory.boolValue else {
            throw SettingsError(variable, "'\(path)' is not a folder; \(fix)")
        }
    }

    /// A configuration name goes into SQL as a `regconfig` literal, so only an identifier passes:
    /// lower-case letters, digits and `_`, starting with a letter, at most 63 (NAMEDATALEN - 1).
    static func isTextSearchConfiguration(_ name: String) -> Bool {
        guard let first = name.utf8.first, name.utf8.count <= 63, (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(first) else {
            return false
        }
        return name.utf8.allSatisfy { (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || $0 == UInt8(ascii: "_") }
    }

    /// Azure OpenAI deployment names: letters, digits, `-`, `_` and `.`, 2…64 characters (Azure portal rules, 2026).
    static func isDeploymentName(_ name: String) -> Bool {
        (2...64).contains(name.count) && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }
    }
}
