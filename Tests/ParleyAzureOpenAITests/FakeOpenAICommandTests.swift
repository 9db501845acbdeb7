import AsyncHTTPClient
import Foundation
import NIOCore
import Testing

/// `parley-fakes openai` as the browser suite and the benchmark use it: a real process.
@Suite struct FakeOpenAICommandTests {
    /// `swift test` builds the executables next to the test bundle (on Linux `Bundle.main` is the
    /// build directory itself; inside an `.xctest` bundle it is one level down).
    private static var executable: URL {
        let here = Bundle.main.bundleURL
        let candidates = [here, here.deletingLastPathComponent()].map { $0.appendingPathComponent("parley-fakes") }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) } ?? candidates[0]
    }

    @Test func printsItsPortFirstServesAndExitsCleanlyOnSIGTERM() async throws {
        let path = Self.executable.path
        try #require(FileManager.default.isExecutableFile(atPath: path), "parley-fakes not built at \(path)")
        let process = Process()
        process.executableURL = Self.executable
        process.arguments = ["openai", "--port", "0", "--deployments", "dep-a,dep-b", "--api-key", "cli-key", "--delay-ms", "0"]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        defer { if process.isRunning { process.terminate() } }

        // The first line, read byte by byte so nothing after it is consumed.
        let handle = output.fileHandleForReading
        var line = Data()
        while line.last != UInt8(ascii: "\n"), line.count < 200 {
            let byte = handle.readData(ofLength: 1)
            if byte.isEmpty { break }
            line.append(byte)
        }
        let text = String(decoding: line, as: UTF8.self)
        let match = try #require(text.wholeMatch(of: #/listening on 127\.0\.0\.1:(\d+)\n/#), "first line was \(text.debugDescription)")
        let port = try #require(Int(match.1))

        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/openai/deployments/dep-b/chat/completions?api-version=2024-10-21")
        request.method = .POST
        request.headers.add(name: "api-key", value: "cli-key")
        request.body = .bytes(ByteBuffer(string: #"{"messages":[{"role":"user","content":"over the wire"}],"stream":true}"#))
        let response = try await http.execute(request, timeout: .seconds(5))
        let body = String(buffer: try await response.body.collect(upTo: 1 << 20))
        try await http.shutdown()
        #expect(response.status.code == 200)
        #expect(body.contains(#""content":" wire""#))
        #expect(body.hasSuffix("data: [DONE]\n\n"))

        process.terminate()  // SIGTERM
        let deadline = ContinuousClock.now + .seconds(5)
        while process.isRunning && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(!process.isRunning)
        #expect(process.terminationStatus == 0)
    }
}
