import Testing

/// Waits (bounded: at most `timeout`) for something asynchronous that has no completion signal,
/// such as a background refresh finishing. Not for waiting out token lifetimes: those use a
/// manual clock.
func eventually(timeout: Duration = .seconds(5), _ what: Comment, _ condition: () async -> Bool) async throws {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if await condition() { return }
        try await Task.sleep(for: .milliseconds(10))
    }
    Issue.record("timed out waiting: \(what)")
}
