import NIOCore
import Testing
@testable import ParleyAzureOpenAI

@Suite struct ServerSentEventParserTests {
    private func parse(_ pieces: [String]) -> [UpstreamEvent] {
        var parser = ServerSentEventParser()
        var events: [UpstreamEvent] = []
        for piece in pieces { events += parser.feed(piece) }
        return events + parser.finish()
    }

    @Test func dataOnlyEventsSeparatedByBlankLines() {
        let events = parse(["data: {\"a\":1}\n\ndata: [DONE]\n\n"])
        #expect(events.map(\.data) == ["{\"a\":1}", "[DONE]"])
        #expect(events.allSatisfy { $0.type == nil })
    }

    @Test func everySplitPointGivesTheSameEvents() {
        let text = "data: {\"text\":\"Grüße ’\"}\r\n\r\n: ping\n\nevent: delta\ndata: one\ndata: two\n\ndata: [DONE]"
        let whole = parse([text])
        #expect(whole == [UpstreamEvent(type: nil, data: "{\"text\":\"Grüße ’\"}"),
                          UpstreamEvent(type: "delta", data: "one\ntwo"),
                          UpstreamEvent(type: nil, data: "[DONE]")])
        let bytes = Array(text.utf8)
        for cut in 1..<bytes.count {  // cuts inside CRLF pairs and inside UTF-8 sequences too
            var parser = ServerSentEventParser()
            let events = parser.feed(ByteBuffer(bytes: bytes[..<cut])) + parser.feed(ByteBuffer(bytes: bytes[cut...])) + parser.finish()
            #expect(events == whole, "cut at byte \(cut)")
        }
    }

    @Test func crlfAndBareCarriageReturnEndLines() {
        #expect(parse(["data: a\r\n\r\ndata: b\r\rdata: c\n\n"]).map(\.data) == ["a", "b", "c"])
    }

    @Test func commentsUnknownFieldsAndEmptyEventsAreIgnored() {
        let events = parse([": keep-alive\n\nid: 7\nretry: 100\n\n... \n\ndata\n\n"])
        // A bare "data" line is a data field with an empty value: one event with empty data.
        #expect(events == [UpstreamEvent(type: nil, data: "")])
    }

    @Test func onlyOneLeadingSpaceIsDropped() {
        #expect(parse(["data:x\n\ndata:  y \n\n"]).map(\.data) == ["x", " y "])
    }

    @Test func eventOpenAtEndOfStreamIsDispatchedByFinish() {
        var parser = ServerSentEventParser()
        #expect(parser.feed("data: {\"a\":1}\n\ndata: [DONE]").map(\.data) == ["{\"a\":1}"])
        #expect(parser.finish().map(\.data) == ["[DONE]"])
        #expect(parser.finish().isEmpty)
    }

    @Test func oversizedLinesAreDroppedAndCounted() {
        var parser = ServerSentEventParser(maximumLineBytes: 16)
        let events = parser.feed("data: \(String(repeating: "x", count: 40))\n\ndata: ok\n\n")
        #expect(events.map(\.data) == ["ok"])
        #expect(parser.oversizedLines == 1)
    }
}
