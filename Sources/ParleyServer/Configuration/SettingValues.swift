import Configuration
import Foundation
import Logging
import ParleySessionStorePostgres

/// Reads raw strings through swift-configuration and turns them into typed values with errors a
/// person can act on. (ConfigReader's typed getters return nil for a malformed value, which would
/// silently fall back to a default; Parley refuses to start instead.)
struct SettingValues {
    let reader: ConfigReader

    func string(_ name: String, secret: Bool = false) -> String? {
        guard let raw = reader.string(forKey: ConfigKey([name]), isSecret: secret) else { return nil }
        let trimmed = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        return trimmed.isEmpty ? nil : trimmed
    }

    /// Either name of a pair; both set and different is an error naming both (values of secrets are not shown).
    func pair(_ names: [String], secret: Bool = false) throws -> String? {
        let values = names.compactMap { name in string(name, secret: secret).map { (name, $0) } }
        guard let first = values.first else { return nil }
        if let other = values.dropFirst().first(where: { $0.1 != first.1 }) {
            let shown = secret ? "" : " ('\(first.1)' vs '\(other.1)')"
            throw SettingsError(
                "\(first.0) and \(other.0)", "both are set and differ\(shown); set only one of them")
        }
        return first.1
    }

    func int(_ name: String, default value: Int, in range: ClosedRange<Int>) throws -> Int {
        guard let raw = string(name) else { return value }
        guard let number = Int(raw), range.contains(number) else {
            throw SettingsError(name, "'\(raw)' is not a whole number from \(range.lowerBound) to \(range.upperBound); the default is \(value)")
        }
        return number
    }

    func double(_ name: String, in range: ClosedRange<Double>) throws -> Double? {
        guard let raw = string(name) else { return nil }
        guard let number = Double(raw), range.contains(number) else {
            throw SettingsError(name, "'\(raw)' is not a number from \(range.lowerBound) to \(range.upperBound); unset it to use the model's default")
        }
        return number
    }

    func choice<Value: RawRepresentable>(_ name: String, default value: Value) throws -> Value where Value.RawValue == String {
        guard let raw = string(name) else { return value }
        guard let chosen = Value(rawValue: raw.lowercased()) else {
            throw SettingsError(name, "'\(raw)' is not allowed; use \(Self.allowed(Value.self))")
        }
        return chosen
    }

    func logLevel(_ name: String) throws -> Logger.Level {
        guard let raw = string(name) else { return .info }
        guard let level = Logger.Level(rawValue: raw.lowercased()) else {
            let levels = Logger.Level.allCases.map(\.rawValue).joined(separator: ", ")
            throw SettingsError(name, "'\(raw)' is not a log level; use one of \(levels)")
        }
        return level
    }

    /// The endpoint, checked: an absolute https URL (http only for loopback, for local fakes).
    func endpoint(_ names: [String]) throws -> String? {
        guard var raw = try pair(names) else { return nil }
        while raw.hasSuffix("/") { raw.removeLast() }
        let name = names.first { string($0) != nil } ?? names[0]
        if let problem = Self.endpointProblem(raw) { throw SettingsError(name, problem) }
        return raw
    }

    /// `PARLEY_BACKENDS_FILE`: the backends of every picker deployment, or nil for the one-endpoint
    /// case. The endpoint and deployment variables must then be unset (the file names them all).
    func backendsFile(_ name: String) throws -> BackendsFile? {
        guard let path = string(name) else { return nil }
        let names = SettingNames.endpoint + SettingNames.deployment + [SettingNames.deployments]
        if let other = names.first(where: { string($0) != nil }) {
            throw SettingsError(name, "\(other) is set too; the backends file names every endpoint and deployment, so unset \(other)")
        }
        return try BackendsFile.load(path: path) { string($0, secret: true) }
    }

    /// Why `raw` (without trailing slashes) is not a usable Azure OpenAI endpoint, or nil when it is.
    static func endpointProblem(_ raw: String) -> String? {
        guard let url = URL(string: raw), let scheme = url.scheme?.lowercased(), let host = url.host, !host.isEmpty else {
            return "'\(raw)' is not a URL; use your resource's endpoint, e.g. https://my-resource.openai.azure.com/"
        }
        switch scheme {
        case "https":
            return nil
        case "http" where ["127.0.0.1", "localhost", "::1", "[::1]"].contains(host.lowercased()):
            return nil
        case "http":
            return "'\(raw)' uses http; Azure OpenAI needs https (http is accepted only for loopback hosts)"
        default:
            return "'\(raw)' is not an http(s) URL; use e.g. https://my-resource.openai.azure.com/"
        }
    }

    func authentication(_ name: String, hasKey: Bool) throws -> ParleySettings.Authentication {
        guard let raw = string(name) else { return hasKey ? .apiKey : .entra }
        switch raw.lowercased() {
        case "azure_ad", "azuread":
            return .entra
        case "azure":
            guard hasKey else {
                throw SettingsError(name, "'azure' needs an API key in OPENAI_API_KEY; set the key, or use azure_ad for keyless Entra sign-in")
            }
            return .apiKey
        default:
            throw SettingsError(name, "'\(raw)' is not supported; use azure_ad (Microsoft Entra, no key) or azure (API key)")
        }
    }

    func checkAPIVersion(_ version: String, names: [String]) throws {
        let dated = version.range(of: #"^\d{4}-\d{2}-\d{2}(-preview)?$"#, options: .regularExpression) != nil
        guard dated || version == "v1" else {
            throw SettingsError(names[0], "'\(version)' is not an api-version; use a dated one such as 2024-10-21, or v1")
        }
    }

    func deploymentList(_ name: String, default deployment: String, offline: Bool) throws -> [String] {
        var list = [deployment]
        guard !offline, let raw = string(name) else { return list }
        for item in raw.split(separator: ",") {
            let trimmed = item.trimmingCharacters(in: .whitespaces)
            guard !trimmed.isEmpty else { continue }
            guard trimmed.range(of: #"^[A-Za-z0-9._-]{1,64}$"#, options: .regularExpression) != nil else {
                throw SettingsError(name, "'\(trimmed)' is not a deployment name (letters, digits, '.', '_' and '-')")
            }
            if !list.contains(trimmed) { list.append(trimmed) }
        }
        return list
    }

    private static func allowed<Value: RawRepresentable>(_: Value.Type) -> String where Value.RawValue == String {
        switch Value.self {
        case is ParleySettings.LogFormat.Type: return "text or json"
        case is SignInSettings.Mode.Type: return "none or entra"
        default: return "one of the documented values"
        }
    }
}

extension SettingValues {
    func optionalInt(_ name: String, in range: ClosedRange<Int>) throws -> Int? {
        guard let raw = string(name) else { return nil }
        guard let number = Int(raw), range.contains(number) else {
            throw SettingsError(name, "'\(raw)' is not a whole number from \(range.lowerBound) to \(range.upperBound); unset it to turn it off")
        }
        return number
    }

    /// The PostgreSQL connection from `PARLEY_POSTGRES_URL` over the PG* variables (the URL's parts
    /// win). nil when nothing is set and the store is not PostgreSQL.
    func postgres(required: Bool) throws -> PostgresConnectionSettings? {
        typealias N = SettingNames
        let url = string(N.postgresURL, secret: true)
        let host = string(N.postgresHost)
        guard required || url != nil || host != nil else { return nil }
        let authentication: PostgresConnectionSettings.Authentication
        switch string(N.postgresAuth)?.lowercased() {
        case nil, "password": authentication = .password
        case "entra", "azure_ad": authentication = .entra
        case let other?:
            throw SettingsError(N.postgresAuth, "'\(other)' is not supported; use password (PGPASSWORD or none) or entra (a Microsoft Entra token, no password)")
        }
        var settings = PostgresConnectionSettings(
            host: host ?? "localhost",
            port: try int(N.postgresPort, default: 5432, in: 1...65535),
            database: string(N.postgresDatabase) ?? "parley",
            username: string(N.postgresUser) ?? "parley",
            password: string(N.postgresPassword, secret: true),
            tlsMode: .prefer,
            authentication: authentication,
            poolSize: try int(N.postgresPool, default: 10, in: 1...1000))
        let explicitMode = string(N.postgresTLSMode)
        if let explicitMode {
            guard let mode = PostgresConnectionSettings.TLSMode(rawValue: explicitMode.lowercased()) else {
                let modes = PostgresConnectionSettings.TLSMode.allCases.map(\.rawValue).joined(separator: ", ")
                throw SettingsError(N.postgresTLSMode, "'\(explicitMode)' is not an sslmode; use one of \(modes)")
            }
            settings.tlsMode = mode
        } else if authentication == .entra {
            // A token is a credential: send it only to a server whose certificate names it.
            settings.tlsMode = .verifyFull
        }
        if let url {
            do {
                settings = try PostgresConnectionSettings.parse(url: url, defaults: settings)
            } catch let error as PostgresURLError {
                throw SettingsError(N.postgresURL, error.message)
            }
        }
        if required, host == nil, url == nil {
            throw SettingsError(
                N.postgresURL, "PARLEY_SESSION_STORE=postgres needs a database: set PARLEY_POSTGRES_URL (postgres://user@host:5432/db?sslmode=verify-full) or PGHOST")
        }
        if authentication == .entra {
            if settings.password != nil {
                throw SettingsError(N.postgresPassword, "is set, but PARLEY_POSTGRES_AUTH=entra sends a Microsoft Entra token as the password; unset it")
            }
            // Loopback is the only exception, for local tests against a server without TLS.
            if !settings.tlsMode.requiresTLS && !settings.isLoopback {
                throw SettingsError(
                    N.postgresTLSMode, "'\(settings.tlsMode.rawValue)' would send the Entra token without TLS; use verify-full (or require); plain connections are accepted only for loopback hosts")
            }
        }
        return settings
    }
}
