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
        let process = Process()
        process.executableURL = executable
        process.arguments = ["serve"]
        process.environment = [
            "HOST": "127.0.0.1", "PORT": "\(port)", "LOG_FORMAT": format, "LOG_LEVEL": "debug",
            "PARLEY_PUBLIC_DIR": ServerHarness.publicDirectory, "PATH": "/usr/bin:/bin",
        ]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try errors.fileHandleForReading.close()  // nobody will ever read the log
        try process.run()
        defer { if process.isRunning { process.terminate() } }

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
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        #expect(process.terminationReason == .exit && process.terminationStatus == 0)
    }
}
