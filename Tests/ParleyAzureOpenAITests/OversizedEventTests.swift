import NIOCore
import ParleyAzureOpenAI
import ParleyTestSupport
import Testing
@testable import ParleyAzureOpenAI

/// One stream event may hold at most 1 MiB of data; past that the client stops buffering it and ends
/// the call with an error naming the limit.
@Suite struct OversizedEventTests {
    static let twoMiB = 2 << 20

    @Test(arguments: [2048, 1])  // many `data:` lines making one event, and one single line
    func aTwoMebibyteEventEndsTheCallWithAClearError(lines: Int) async throws {
        try await Harness.with { harness in
            let result = await harness.collect("[[huge_event:\(Self.twoMiB):\(lines)]] one two three")
            let error = try #require(result.azureError)
            #expect(error.kind == .upstreamError)
            #expect(error.message.contains("larger than 1 MiB (1048576 bytes)"))
            #expect(error.message.contains("check that the endpoint"))
            #expect(error.requestID != nil)
            #expect(result.text == "Echo: one", "the text before the event was delivered, none after it")
            #expect(result.finishReasons.isEmpty)
            #expect(await harness.fake.requests.count == 1, "not retried: text was already delivered")
            #expect(harness.logs.lines(containing: "larger than the limit").count == 1)
        }
    }

    @Test func anEventUnderTheLimitIsOrdinary() async throws {
        try await Harness.with { harness in
            let result = await harness.collect("[[huge_event:\(512 * 1024):512]] one two three")
            #expect(result.error == nil)
            #expect(result.text == "Echo: one big two three")
            #expect(result.finishReasons == ["stop"])
        }
    }

    // MARK: The parser alone

    @Test func manyLinesPastTheLimitAreNotBuffered() {
        var parser = ServerSentEventParser(maximumEventBytes: 1024)
        var elements: [String] = []
        var peak = 0
        let line = "data: " + String(repeating: "y", count: 100) + "\n"
        for _ in 0..<100 {  // 10 KB in one event, fed a line at a time
            parser.feed(ByteBuffer(string: line)) { element in
                elements.append(Self.describe(element))
                return true
            }
            peak = max(peak, parser.bufferedBytes)
        }
        parser.feed(ByteBuffer(string: "\ndata: after\n\n")) { element in
            elements.append(Self.describe(element))
            return true
        }
        #expect(elements == ["oversized", "event:after"])
        #expect(peak <= 1024)
        #expect(parser.oversizedEvents == 1)
        #expect(parser.bufferedBytes == 0)
    }

    @Test func aSingleLinePastTheLimitIsNotBufferedAcrossChunks() {
        var parser = ServerSentEventParser(maximumLineBytes: 1024, maximumEventBytes: 1024)
        var elements: [String] = []
        var peak = 0
        parser.feed(ByteBuffer(string: "data: ")) { _ in true }
        for _ in 0..<64 {
            parser.feed(ByteBuffer(string: String(repeating: "z", count: 256))) { element in
                elements.append(Self.describe(element))
                return true
            }
            peak = max(peak, parser.bufferedBytes)
        }
        parser.feed(ByteBuffer(string: "\n\ndata: ok\n\n")) { element in
            elements.append(Self.describe(element))
            return true
        }
        #expect(elements == ["oversized", "event:ok"])
        #expect(peak <= 1024)
        #expect(parser.oversizedLines == 1)
    }

    @Test func anOversizedNonDataLineDoesNotSpoilTheEvent() {
        var parser = ServerSentEventParser(maximumLineBytes: 16, maximumEventBytes: 1024)
        let events = parser.feed(": \(String(repeating: "c", count: 40))\ndata: kept\n\n")
        #expect(events.map(\.data) == ["kept"])
        #expect(parser.oversizedLines == 1)
        #expect(parser.oversizedEvents == 0)
    }

    private static func describe(_ element: ServerSentEventParser.Element) -> String {
        switch element {
        case .oversized: "oversized"
        case .event(_, let data): "event:" + String(decoding: data, as: UTF8.self)
        }
    }
}
