import Logging
import PostgresNIO

/// Runs the schema migration once per process, before the first operation; a failed attempt is
/// forgotten so the next operation tries again (the database may come up after Parley).
actor SchemaGate {
    private let logger: Logger
    private var done = false
    private var running: Task<Void, any Error>?

    init(logger: Logger) {
        self.logger = logger
    }

    func ensure(_ client: PostgresClient) async throws {
        if done { return }
        let task: Task<Void, any Error>
        if let running {
            task = running
        } else {
            let logger = logger
            task = Task { try await PostgresSchema.migrate(client, logger: logger) }
            running = task
        }
        do {
            try await task.value
            if !done {
                done = true
                logger.info("session store schema ready", metadata: ["version": "\(PostgresSchema.version)"])
            }
        } catch {
            running = nil
            throw error
        }
    }
}
