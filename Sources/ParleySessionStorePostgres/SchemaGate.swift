import Logging
import PostgresNIO

/// Runs a schema migration once per process, before the first operation; a failed attempt is
/// forgotten so the next operation tries again (the database may come up after Parley). The session
/// store's by default; the passage index passes its own (`PostgresSchema.migrateDocuments`).
actor SchemaGate {
    typealias Migration = @Sendable (PostgresClient, Logger) async throws -> Void

    private let logger: Logger
    private let name: String
    private let version: Int
    private let migration: Migration
    private var done = false
    private var running: Task<Void, any Error>?

    init(logger: Logger, name: String = "session store", version: Int = PostgresSchema.version,
         migration: @escaping Migration = { try await PostgresSchema.migrate($0, logger: $1) }) {
        self.logger = logger
        self.name = name
        self.version = version
        self.migration = migration
    }

    func ensure(_ client: PostgresClient) async throws {
        if done { return }
        let task: Task<Void, any Error>
        if let running {
            task = running
        } else {
            let logger = logger
            let migration = migration
            task = Task { try await migration(client, logger) }
            running = task
        }
        do {
            try await task.value
            if !done {
                done = true
                logger.info("\(name) schema ready", metadata: ["version": "\(version)"])
            }
        } catch {
            running = nil
            throw error
        }
    }
}
