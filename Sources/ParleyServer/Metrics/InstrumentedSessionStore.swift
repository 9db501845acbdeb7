import ParleyChat

/// Counts store failures by operation (`busy` is an answer, not a failure) and reports the number
/// of live sessions when /metrics is read.
struct InstrumentedSessionStore: SessionStore {
    let base: any SessionStore
    let metrics: ParleyMetrics

    func beginQuestion(in requested: SessionID?) async throws -> OpenedSession {
        try await counting("begin") { try await base.beginQuestion(in: requested) }
    }

    func finishQuestion(_ lease: QuestionLease, recording turn: ChatTurn?) async throws {
        try await counting("finish") { try await base.finishQuestion(lease, recording: turn) }
    }

    func turns(of id: SessionID) async throws -> [ChatTurn]? {
        try await counting("turns") { try await base.turns(of: id) }
    }

    func delete(_ id: SessionID) async throws {
        try await counting("delete") { try await base.delete(id) }
    }

    func count() async throws -> Int {
        try await counting("count") { try await base.count() }
    }

    /// Sets the `parley_sessions` gauge (left as it was when the store cannot answer).
    func collect() async {
        if let count = try? await count() { metrics.sessions(count) }
    }

    private func counting<T>(_ operation: String, _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch SessionStoreError.busy(let id) {
            throw SessionStoreError.busy(id)
        } catch let error as CancellationError {
            throw error
        } catch {
            metrics.storeError(operation: operation)
            throw error
        }
    }
}
