import ParleySessionStorePostgres

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
