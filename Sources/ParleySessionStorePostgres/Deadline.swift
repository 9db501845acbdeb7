/// Bounds an operation in time: races it against a sleep and cancels the loser.
enum Deadline {

    static func run<T: Sendable>(within limit: Duration, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: T.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try await Task.sleep(for: limit)
                throw PostgresStoreFailure.timedOut(limit)
            }
            defer { group.cancelAll() }
            return try await group.next()!
        }
    }
}
