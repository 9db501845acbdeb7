import Foundation
import ParleyChat
import PostgresNIO

/// The limits' counters in PostgreSQL, shared by every replica. Each count is one upsert
/// (`INSERT … ON CONFLICT DO UPDATE … RETURNING`), atomic under concurrency, so two replicas
/// counting at once both see the sum.
extension PostgresSessionStore: UsageCounterStore {
    public func countQuestion(for key: String, window: Date) async throws -> Int {
        // Not repeated after a timeout: a retried increment that had landed would count twice.
        let rows = try await perform(repeatable: false) { client in
            try await client.query(
                """
                INSERT INTO parley_question_windows (key, window_start, questions) VALUES (\(key), \(window), 1)
                ON CONFLICT (key, window_start) DO UPDATE SET questions = parley_question_windows.questions + 1
                RETURNING questions
                """, logger: self.storeLogger
            ).collect(decoding: Int.self)
        }
        return rows.first ?? 0
    }

    public func questions(for key: String, window: Date) async throws -> Int {
        let rows = try await perform { client in
            try await client.query(
                "SELECT questions FROM parley_question_windows WHERE key = \(key) AND window_start = \(window)",
                logger: self.storeLogger
            ).collect(decoding: Int.self)
        }
        return rows.first ?? 0
    }

    @discardableResult
    public func addTokens(_ tokens: Int, for key: String, day: Date) async throws -> Int {
        let tokens = Int64(max(0, tokens))
        let rows = try await perform(repeatable: false) { client in
            try await client.query(
                """
                INSERT INTO parley_token_days (key, day_start, tokens) VALUES (\(key), \(day), \(tokens))
                ON CONFLICT (key, day_start) DO UPDATE SET tokens = parley_token_days.tokens + \(tokens)
                RETURNING tokens
                """, logger: self.storeLogger
            ).collect(decoding: Int64.self)
        }
        return Int(rows.first ?? 0)
    }

    public func tokens(for key: String, day: Date) async throws -> Int {
        let rows = try await perform { client in
            try await client.query(
                "SELECT tokens FROM parley_token_days WHERE key = \(key) AND day_start = \(day)", logger: self.storeLogger
            ).collect(decoding: Int64.self)
        }
        return Int(rows.first ?? 0)
    }

    /// Windows older than an hour and days older than two are never read again (the sweep calls this).
    func removeOldCounters() async throws {
        let now = options.now()
        let hourAgo = now.addingTimeInterval(-3600)
        let twoDaysAgo = now.addingTimeInterval(-2 * 86_400)
        try await perform { client in
            try await client.query("DELETE FROM parley_question_windows WHERE window_start < \(hourAgo)", logger: self.storeLogger)
            try await client.query("DELETE FROM parley_token_days WHERE day_start < \(twoDaysAgo)", logger: self.storeLogger)
        }
    }
}
