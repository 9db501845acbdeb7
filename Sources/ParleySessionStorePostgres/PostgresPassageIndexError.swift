/// Why the PostgreSQL passage index could not do what was asked, in words a person can act on.
public enum PostgresPassageIndexError: Error, Equatable, CustomStringConvertible {
    /// The text search configuration does not exist in this database (or is not a plain name).
    case unknownTextSearchConfiguration(String, available: [String])
    /// The database could not be used: unreachable, login refused, timed out …
    case unavailable(String)

    public var description: String {
        switch self {
        case .unknownTextSearchConfiguration(let name, let available):
            let known = available.isEmpty ? "" : " Known ones: \(available.joined(separator: ", "))."
            return "The PostgreSQL text search configuration '\(name)' does not exist in this database "
                + "(SELECT cfgname FROM pg_ts_config).\(known) Use one of them (for example english or simple)."
        case .unavailable(let reason):
            return "The document index in PostgreSQL is unavailable: \(reason)"
        }
    }
}
