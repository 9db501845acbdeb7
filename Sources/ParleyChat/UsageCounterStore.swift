import Foundation

/// Where the limits' counters live (issue 13): questions per key and fixed one-minute window, tokens
/// per key and UTC day. The in-memory store serves one process; PostgreSQL shares them across
/// replicas with atomic upserts. Keys are opaque ("user:<oid>" or "address:<ip>").
public protocol UsageCounterStore: Sendable {
    /// Counts one question in the window that starts at `window`; returns the window's count, this one included.
    func countQuestion(for key: String, window: Date) async throws -> Int
    /// The questions counted so far in the window that starts at `window`.
    func questions(for key: String, window: Date) async throws -> Int
    /// Adds `tokens` to the day that starts at `day`; returns the day's total.
    @discardableResult
    func addTokens(_ tokens: Int, for key: String, day: Date) async throws -> Int
    /// The tokens used in the day that starts at `day`.
    func tokens(for key: String, day: Date) async throws -> Int
}
