import AsyncHTTPClient
import Foundation
import NIOCore

/// Reads Parley's `/ask` event stream as it arrives, event by event, with arrival times.
final class EventStreamReader: @unchecked Sendable {
    struct Event {
        let name: String
        let data: [String: Any]
        let raw: String
        let arrivedAt: ContinuousClock.Instant

        var text: String? { data["text"] as? String }
    }

    let response: HTTPClientResponse
    private var iterator: HTTPClientResponse.Body.AsyncIterator
    private var pending = ""
    /// Comment lines seen so far (`: ping`).
    private(set) var comments: [String] = []

    private init(response: HTTPClientResponse) {
        self.response = response
        iterator = response.body.makeAsyncIterator()
    }

    /// Starts a streaming `/ask` on `base` and returns once the response head arrived.
    static func open(
        base: String, body: String, timeout: TimeAmount = .seconds(30), client: HTTPClient = .shared
    ) async throws -> EventStreamReader {
        var request = HTTPClientRequest(url: base + "/ask")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Accept", value: "text/event-stream")
        request.body = .bytes(ByteBuffer(string: body))
        let response = try await client.execute(request, timeout: timeout)
        return EventStreamReader(response: response)
    }

    /// The next event, or nil at the end of the stream.
    func next() async throws -> Event? {
        while true {
            if let range = pending.range(of: "\n\n") {
                let block = String(pending[..<range.lowerBound])
                pending = String(pending[range.upperBound...])
                var name = "message"
                var data = ""
                for line in block.split(separator: "\n", omittingEmptySubsequences: false) {
                    if line.hasPrefix(":") { comments.append(String(line)); continue }
                    if line.hasPrefix("event: ") { name = String(line.dropFirst(7)) }
                    if line.hasPrefix("data: ") { data += line.dropFirst(6) }
                }
                if data.isEmpty && name == "message" { continue }
                let object = (try? JSONSerialization.jsonObject(with: Data(data.utf8))) as? [String: Any] ?? [:]
                return Event(name: name, data: object, raw: data, arrivedAt: .now)
            }
            guard let chunk = try await iterator.next() else { return nil }
            pending += String(buffer: chunk)
        }
    }

    /// All remaining events.
    func rest() async throws -> [Event] {
        var events: [Event] = []
        while let event = try await next() { events.append(event) }
        return events
    }
}
