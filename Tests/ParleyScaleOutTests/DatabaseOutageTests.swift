import Foundation
import ParleyTestSupport
import Testing

/// PostgreSQL killed under a running replica: 503 store_unavailable with the reason, readiness
/// drops, and once the database is back everything works again with no committed turn lost. The
/// test runs its own throwaway cluster (scripts/test-postgres.sh --dir), so killing it disturbs no
/// other test.
@Suite("PostgreSQL outage", .enabled(if: TestDatabase.enabled, TestDatabase.skipReason))
struct DatabaseOutageTests {
    static let script = ParleyProcess.repository.appendingPathComponent("scripts/test-postgres.sh").path

    @discardableResult
    private func cluster(_ command: String, dir: String) async throws -> String {
        // Output to a file (`LaunchedProcess`), not a pipe: the server that `start` leaves running would
        // hold a pipe open. Polled, not waitUntilExit(): a blocked thread would starve the other tests' tasks.
        let process = try LaunchedProcess(URL(fileURLWithPath: "/bin/bash"), arguments: [Self.script, command, "--dir", dir],
                                          environment: ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"],
                                          standardOutput: .file, standardError: .standardOutput)
        try await process.waitForExit()
        let text = process.text(.standardOutput)
        guard process.terminationStatus == 0 else { throw ClusterFailed(command: command, output: text) }
        return text
    }

    struct ClusterFailed: Error, CustomStringConvertible {
        let command: String
        let output: String
        var description: String { "test-postgres.sh \(command) failed: \(output)" }
    }

    @Test func killingPostgresGives503AndRecoveryLosesNoCommittedTurn() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("parley-outage-\(UUID().uuidString.prefix(8))").path
        let started = try await cluster("start", dir: dir)
        let url = try #require(started.split(separator: "=", maxSplits: 1).last.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) })
        let fake = try await FakeAzureOpenAI.start(options: .init(apiKey: ReplicaTests.apiKey))
        let parley = try await ParleyProcess.start(environment: [
            "OPENAI_API_BASE": fake.endpoint, "OPENAI_API_KEY": ReplicaTests.apiKey, "DEPLOYMENT_NAME": "gpt-35-turbo",
            "PARLEY_SESSION_STORE": "postgres", "PARLEY_POSTGRES_URL": url,
        ])
        defer { parley.stop() }
        // (On failure the cluster stays for inspection; it is in the temporary directory.)

        let first = try await parley.ask("remember the number 7")
        #expect(first.status == 200)
        let session = try #require(first.json["session_id"] as? String)
        let second = try await parley.ask("and the number 8", session: session)
        #expect(second.status == 200)

        try await cluster("kill", dir: dir)
        let start = ContinuousClock.now
        let down = try await parley.ask("what numbers?", session: session)
        #expect(down.status == 503)
        let error = try #require(down.json["error"] as? [String: Any])
        #expect(error["code"] as? String == "store_unavailable")
        let message = error["message"] as? String ?? ""
        // The client gets a plain sentence and the request id; the host and PostgreSQL's own error
        // are for the operator's log (AnonymousErrorTests checks the log side).
        #expect(message.contains("session store") && !message.contains("127.0.0.1"), "\(message)")
        #expect(error["request_id"] as? String != nil)
        #expect(ContinuousClock.now - start < .seconds(15))
        let ready = try await parley.request("GET", "/readyz")
        #expect(ready.status == 503)
        #expect((ready.json["checks"] as? [String: String])?["store"]?.contains("unavailable") == true)
        #expect(try await parley.request("GET", "/healthz").status == 200, "the process keeps serving")

        try await cluster("restart", dir: dir)
        // Recovery is automatic: bounded polling, no restart of parley.
        var recovered: ParleyProcess.Reply?
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            let reply = try await parley.ask("what numbers?", session: session)
            if reply.status == 200 {
                recovered = reply
                break
            }
            #expect(reply.status == 503)
            try await Task.sleep(for: .milliseconds(250))
        }
        let answer = try #require(recovered, "parley did not recover within 30 s: \(parley.log)")
        #expect(answer.json["session_id"] as? String == session, "the session survived the outage")
        let history = try await parley.request("GET", "/sessions/\(session)")
        let questions = (history.json["messages"] as? [[String: Any]] ?? []).filter { $0["role"] as? String == "user" }
            .compactMap { $0["content"] as? String }
        #expect(questions == ["remember the number 7", "and the number 8", "what numbers?"])
        #expect(try await parley.request("GET", "/readyz").status == 200)
        try await fake.shutdown()
        parley.stop()
        try await cluster("stop", dir: dir)
    }
}
