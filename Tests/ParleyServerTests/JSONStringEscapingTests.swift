import Foundation
import NIOCore
import ParleyOutbound
@testable import ParleyServer
import Testing

/// The delta event's hand-written JSON must parse back to exactly the text, whatever it holds.
@Suite("SSE delta frames: JSON string escaping")
struct JSONStringEscapingTests {
    static let samples: [String] = [
        "", "plain", "quote \" and backslash \\ and slash /", "line\nbreak\r\ntab\there",
        String((0..<32).map { Character(Unicode.Scalar(UInt8($0))) }),  // every control character
        "\u{7F} delete", "emoji 😀 (a surrogate pair in UTF-16) and 𝄞", "é ü ß 中文 العربية",
        "\u{2028}\u{2029} line separators", "\\u0000 looks like an escape", "\"\"\"\\\\\\",
        "nul \u{0} inside", String(repeating: "long text ", count: 2000),
    ]

    @Test(arguments: samples)
    func deltaFramesParseBackToTheText(text: String) throws {
        let frame = AnswerStreamEvent.delta(text).buffer
        let raw = String(buffer: frame)
        #expect(raw.hasPrefix("event: delta\ndata: ") && raw.hasSuffix("\n\n"))
        let data = raw.dropFirst("event: delta\ndata: ".count).dropLast(2)
        #expect(!data.contains("\n"), "a raw newline would split the SSE data line")
        let object = try JSONSerialization.jsonObject(with: Data(data.utf8)) as? [String: Any]
        #expect(object?["text"] as? String == text)
        #expect(object?.count == 1)
    }

    @Test func matchesWhatJSONEncoderWouldAccept() throws {
        // Every BMP scalar class boundary and a few astral ones, in one string.
        let scalars = [0x1F, 0x20, 0x22, 0x5C, 0x7E, 0x7F, 0x80, 0x7FF, 0x800, 0xD7FF, 0xE000, 0xFFFD, 0x10000, 0x10FFFF]
            .compactMap(Unicode.Scalar.init).map(Character.init)
        let text = String(scalars)
        var buffer = ByteBuffer()
        JSONStringEscaping.write(text, to: &buffer)
        let decoded = try JSONDecoder().decode(String.self, from: Data(buffer.readableBytesView))
        #expect(decoded == text)
    }
}
