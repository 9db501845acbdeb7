import AsyncHTTPClient
import Foundation
import NIOCore
import ParleyTestSupport
import Testing

/// `.build/debug/parley serve` as a subprocess on a loopback port, with its own environment (never
/// the test's), its log in a file (`LaunchedProcess`); or, with `init(port:)`, a client of a server
/// that is not a process of ours (an in-process application).
final class ParleyProcess: @unchecked Sendable {
    private let launched: LaunchedProcess?
    let port: Int
    var base: String { "http://127.0.0.1:\(port)" }

    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let executable = BuiltExecutable.parley

    init(port: Int) {
        launched = nil
        self.port = port
    }

    private init(launched: LaunchedProcess, port: Int) {
        self.launched = launched
        self.port = port
    }

    /// Starts and waits for the "listening on" line (20 s at most).
    static func start(environment: [String: String]) async throws -> ParleyProcess {
        try #require(FileManager.default.isExecutableFile(atPath: executable.path), "parley is not built at \(executable.path)")
        let launched = try LaunchedProcess(executable, arguments: ["serve"], environment: [
            "PATH": "/usr/bin:/bin", "HOST": "127.0.0.1", "PORT": "0", "PARLEY_SHUTDOWN_GRACE": "5",
            "PARLEY_PUBLIC_DIR": repository.appendingPathComponent("Public").path,
            // Never the real IMDS or Entra (the chain is not used with an API key, but be sure).
            "AZURE_POD_IDENTITY_AUTHORITY_HOST": "http://127.0.0.1:9",
        ].merging(environment) { $1 }, directory: FileManager.default.temporaryDirectory, standardError: .file)
        guard let port = try await launched.waitForListeningPort(in: .standardError) else {
            launched.stop()
            throw StartFailed(log: launched.text(.standardError))
        }
        return ParleyProcess(launched: launched, port: port)
    }

    struct StartFailed: Error, CustomStringConvertible {
        let log: String
        var description: String { "parley serve did not start:\n\(log)" }
    }

    /// A GET's body as text.
    func text(_ path: String) async throws -> String {
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: base + path), timeout: .seconds(30))
        return String(buffer: try await response.body.collect(upTo: 1 << 22))
    }

    var log: String { launched?.text(.standardError) ?? "" }

    func stop() {
        launched?.stop()
    }

    // MARK: HTTP

    struct Reply {
        var status: Int
        var json: [String: Any]
        var headers: [String: String]
    }

    func ask(_ question: String, session: String? = nil, headers: [String: String] = [:]) async throws -> Reply {
        var body: [String: Any] = ["question": question]
        if let session { body["session_id"] = session }
        return try await request("POST", "/ask", json: body, headers: headers)
    }

    func request(_ method: String, _ path: String, json: [String: Any]? = nil, headers: [String: String] = [:]) async throws -> Reply {
        var request = HTTPClientRequest(url: base + path)
        request.method = .init(rawValue: method)
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let json {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: json)))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 1 << 20)
        let object = (try? JSONSerialization.jsonObject(with: Data(buffer: bytes))) as? [String: Any] ?? [:]
        var headers: [String: String] = [:]
        for header in response.headers { headers[header.name.lowercased()] = header.value }
        return Reply(status: Int(response.status.code), json: object, headers: headers)
    }

    /// Opens a streamed answer and returns once its `session` event arrived (the lease is held
    /// from then until the answer ends), with the rest still streaming.
    func openStream(_ question: String, session: String? = nil) async throws -> OpenStream {
        var body: [String: Any] = ["question": question, "stream": true]
        if let session { body["session_id"] = session }
        var request = HTTPClientRequest(url: base + "/ask")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: body)))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let stream = OpenStream(body: response.body)
        _ = try await stream.until("session")
        return stream
    }
}

/// A streamed answer being read event by event.
final class OpenStream: @unchecked Sendable {
    private var iterator: HTTPClientResponse.Body.AsyncIterator
    private var buffer = ""
    private(set) var events: [(name: String, data: String)] = []

    init(body: HTTPClientResponse.Body) {
        iterator = body.makeAsyncIterator()
    }

    /// Reads until an event named `name` (or the end); returns its data.
    func until(_ name: String) async throws -> String? {
        while true {
            while let end = buffer.range(of: "\n\n") {
                let block = String(buffer[..<end.lowerBound])
                buffer.removeSubrange(..<end.upperBound)
                var event = "message"
                var data = ""
                for line in block.split(separator: "\n") {
                    if line.hasPrefix("event: ") { event = String(line.dropFirst(7)) }
                    if line.hasPrefix("data: ") { data += line.dropFirst(6) }
                }
                if block.hasPrefix(":") { continue }
                events.append((event, data))
                if event == name { return data }
            }
            guard let chunk = try await iterator.next() else { return nil }
            buffer += String(buffer: chunk)
        }
    }

    func json(_ data: String?) -> [String: Any] {
        (data.flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) } as? [String: Any]) ?? [:]
    }
}
