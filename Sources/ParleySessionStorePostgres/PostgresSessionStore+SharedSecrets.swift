import Foundation
import ParleyChat
import PostgresNIO

extension PostgresSessionStore: SharedSecretStore {
    /// Insert-if-absent, then read: when replicas start together each offers its own value, the
    /// first insert wins (ON CONFLICT DO NOTHING) and every replica reads that one back.
    public func sharedSecret(named name: String, make: @Sendable () -> Data) async throws -> Data {
        let offered = make().base64EncodedString()
        let rows = try await perform { client in
            try await client.query(
                "INSERT INTO parley_shared_secrets (name, value) VALUES (\(name), \(offered)) ON CONFLICT (name) DO NOTHING",
                logger: self.logger)
            return try await client.query("SELECT value FROM parley_shared_secrets WHERE name = \(name)", logger: self.logger)
                .collect(decoding: String.self)
        }
        guard let stored = rows.first, let data = Data(base64Encoded: stored) else {
            throw SessionStoreError.unavailable("shared secret '\(name)' could not be read back from parley_shared_secrets")
        }
        return data
    }
}
