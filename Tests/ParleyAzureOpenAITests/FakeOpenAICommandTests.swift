import AsyncHTTPClient
import Foundation
import NIOCore
import ParleyTestSupport
import Testing

/// `parley-fakes openai` as the browser suite and the benchmark use it: a real process.
@Suite struct FakeOpenAICommandTests {
    private static var executable: URL { BuiltExecutable.url("parley-fakes") }

    @Test func printsItsPortFirstServesAndExitsCleanlyOnSIGTERM() async throws {
        let path = Self.executable.path
        try #require(FileManager.default.isExecutableFile(atPath: path), "parley-fakes not built at \(path)")
        let process = try LaunchedProcess(
            Self.executable, arguments: ["openai", "--port", "0", "--deployments", "dep-a,dep-b", "--api-key", "cli-key", "--delay-ms", "0"],
            standardOutput: .file)
        defer { process.stop() }

        // The first line, with nothing after it.
        let text = try await process.waitFor(#"^.*\n"#, in: .standardOutput) ?? process.text(.standardOutput)
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

        process.signal(SIGTERM)
        try await process.waitForExit(timeout: .seconds(5))
        #expect(!process.isRunning)
        #expect(process.terminationStatus == 0)
    }
}
