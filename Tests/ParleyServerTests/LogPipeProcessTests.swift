import Foundation
import NIOHTTP1
import ParleyTestSupport
import Testing

/// `parley serve` whose log reader has gone away (a closed stderr pipe) keeps serving: a lost
/// log line never stops the process.
@Suite("parley serve: a dead log pipe")
struct LogPipeProcessTests {
    @Test(arguments: ["json", "text"])
    func keepsServingWhenStderrHasNoReader(format: String) async throws {
        let executable = BuiltExecutable.parley
        try #require(FileManager.default.isExecutableFile(atPath: executable.path), "parley not built at \(executable.path)")
        let port = try FreePort.next()
        // Standard error is a pipe whose reading end is closed: nobody will ever read the log.
        let process = try LaunchedProcess(executable, arguments: ["serve"], environment: [
            "HOST": "127.0.0.1", "PORT": "\(port)", "LOG_FORMAT": format, "LOG_LEVEL": "debug",
            "PARLEY_PUBLIC_DIR": ServerHarness.publicDirectory, "PATH": "/usr/bin:/bin",
        ], standardError: .unreadPipe)
        defer { process.stop() }

        let server = ServerHarness(port: port, fake: nil, logs: LogCapture())
        var healthy = false
        for _ in 0..<100 where !healthy {
            try await Task.sleep(for: .milliseconds(100))
            healthy = (try? await server.request(.GET, "/healthz", headers: []))?.status == 200
        }
        #expect(healthy, "parley did not start")
        for index in 0..<5 {
            let reply = try await server.ask("question \(index)")
            #expect(reply.status == 200)
        }
        #expect(process.isRunning, "parley died writing its log")
        process.signal(SIGTERM)
        try await process.waitForExit()
        #expect(process.terminationReason == .exit && process.terminationStatus == 0)
    }
}
