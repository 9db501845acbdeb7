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

        let process = Process()
        process.executableURL = executable
        process.arguments = ["serve"]
        process.currentDirectoryURL = folder
        process.environment = ServerHarness.azureEnvironment(fake).merging([
            "HOST": "127.0.0.1", "PORT": "0", "PARLEY_SHUTDOWN_GRACE": "20",
            "PARLEY_PUBLIC_DIR": ServerHarness.publicDirectory, "AZURE_POD_IDENTITY_AUTHORITY_HOST": "http://127.0.0.1:9",
        ]) { $1 }
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { process.terminate() } }

        // The port is in the "listening on" log line.
        var log = ""
        var port: Int?
        let deadline = ContinuousClock.now + .seconds(20)
        while port == nil, ContinuousClock.now < deadline {
            let data = errors.fileHandleForReading.availableData
            if data.isEmpty { break }
            log += String(decoding: data, as: UTF8.self)
            if let range = log.range(of: #"listening on 127\.0\.0\.1:(\d+)"#, options: .regularExpression) {
                port = Int(log[range].split(separator: ":").last ?? "")
            }
        }
        let base = "http://127.0.0.1:\(try #require(port, "no listening line in: \(log)"))"

        let stream = try await EventStreamReader.open(base: base, body: ServerHarness.askBody("[[slow]] long answer", stream: true))
        #expect(try await stream.next()?.name == "session")
        #expect(try await stream.next()?.name == "delta")

        kill(process.processIdentifier, SIGTERM)

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

        while process.isRunning { try await Task.sleep(for: .milliseconds(20)) }
        #expect(process.terminationReason == .exit)
        #expect(process.terminationStatus == 0)
        try await fake.shutdown()
    }
}
