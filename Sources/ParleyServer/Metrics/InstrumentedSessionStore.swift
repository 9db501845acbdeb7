import Foundation
import ParleyChat

/// Counts store failures by operation (`busy` is an answer, not a failure) and reports the number
/// of live sessions when /metrics is read.
struct InstrumentedSessionStore: SessionStore {
    let base: any SessionStore
    let metrics: ParleyMetrics

    func beginQuestion(in requested: SessionID?, owner: String?, title: String) async throws -> OpenedSession {
        try await counting("begin") { try await base.beginQuestion(in: requested, owner: owner, title: title) }
    }

    func finishQuestion(_ lease: QuestionLease, recording turn: ChatTurn?) async throws {
        try await counting("finish") { try await base.finishQuestion(lease, recording: turn) }
    }

    func turns(of id: SessionID, owner: String?) async throws -> [ChatTurn]? {
        try await counting("turns") { try await base.turns(of: id, owner: owner) }
    }

    func delete(_ id: SessionID, owner: String?) async throws -> Bool {
        try await counting("delete") { try await base.delete(id, owner: owner) }
    }

    func sessions(of owner: String, limit: Int, before: Date?) async throws -> [SessionSummary] {
        try await counting("list") { try await base.sessions(of: owner, limit: limit, before: before) }
    }

    func rename(_ id: SessionID, owner: String?, to title: String) async throws -> Bool {
        try await counting("rename") { try await base.rename(id, owner: owner, to: title) }
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
        } catch SessionStoreError.notFound(let id) {
            throw SessionStoreError.notFound(id)
        } catch let error as CancellationError {
            throw error
        } catch {
            metrics.storeError(operation: operation)
            throw error
        }
    }
}
