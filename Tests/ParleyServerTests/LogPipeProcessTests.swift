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

/// A loopback port nothing listens on now (the kernel picks it; it is released before use).
enum FreePort {
    static func next() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer -> Int32 in
                guard bind(descriptor, pointer, length) == 0 else { return -1 }
                return getsockname(descriptor, pointer, &length)
            }
        }
        guard bound == 0 else { throw RawConnectionError.failed("bind") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
