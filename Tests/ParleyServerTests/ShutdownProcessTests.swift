import Foundation
import NIOHTTP1
import ParleyTestSupport
import Testing

/// `parley serve` as the orchestrator runs it: SIGTERM stops accepting, the answer in flight is
/// finished, and the process exits 0.
@Suite("parley serve: graceful shutdown")
struct ShutdownProcessTests {
    @Test func sigtermLetsTheStreamInFlightFinishThenExitsZero() async throws {
        let executable = BuiltExecutable.parley
        try #require(FileManager.default.isExecutableFile(atPath: executable.path), "parley not built at \(executable.path)")
        let fake = try await FakeAzureOpenAI.start(options: .init(apiKey: ServerHarness.apiKey, slowChunkDelay: .milliseconds(60)))
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("parley-shutdown-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }

        let process = try LaunchedProcess(executable, arguments: ["serve"], environment: ServerHarness.azureEnvironment(fake).merging([
            "HOST": "127.0.0.1", "PORT": "0", "PARLEY_SHUTDOWN_GRACE": "20",
            "PARLEY_PUBLIC_DIR": ServerHarness.publicDirectory, "AZURE_POD_IDENTITY_AUTHORITY_HOST": "http://127.0.0.1:9",
        ]) { $1 }, directory: folder, standardError: .file)
        defer { process.stop() }

        // The port is in the "listening on" log line.
        let port = try await process.waitForListeningPort(in: .standardError)
        let log = process.text(.standardError)
        let base = "http://127.0.0.1:\(try #require(port, "no listening line in: \(log)"))"

        let stream = try await EventStreamReader.open(base: base, body: ServerHarness.askBody("[[slow]] long answer", stream: true))
        #expect(try await stream.next()?.name == "session")
        #expect(try await stream.next()?.name == "delta")

        process.signal(SIGTERM)

        // New connections are refused while the answer in flight goes on to its end.
        var refused = false
        for _ in 0..<50 {
            do {
                _ = try await ServerHarness(port: 0, fake: nil, logs: LogCapture()).request(.GET, "/healthz", headers: [], base: base)
            } catch {
                refused = true
                break
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(refused, "the server still accepted connections after SIGTERM")
        let rest = try await stream.rest()
        #expect(rest.last?.name == "done")
        #expect(rest.filter { $0.name == "delta" }.count > 20)

        try await process.waitForExit()
        #expect(process.terminationReason == .exit)
        #expect(process.terminationStatus == 0)
        try await fake.shutdown()
    }
}
