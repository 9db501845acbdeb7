import Foundation
import NIOCore
import ParleyChat
@testable import ParleyServer
import Testing

/// The citations of an answer are written by hand like the rest of the answer (issue 14); they must
/// say exactly what `JSONEncoder` says.
@Suite("Citations JSON: hand-written, same as the encoder's")
struct CitationJSONTests {
    struct EncodedReply: Encodable {
        let answer: String, citations: [CitationJSON.Body], deployment: String, finish_reason: String?, session_id: String
        let usage: ChatUsage?

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(answer, forKey: .answer)
            try container.encode(citations, forKey: .citations)
            try container.encode(deployment, forKey: .deployment)
            try container.encode(finish_reason, forKey: .finish_reason)
            try container.encode(session_id, forKey: .session_id)
            try container.encode(usage, forKey: .usage)
        }

        enum CodingKeys: String, CodingKey { case answer, citations, deployment, finish_reason, session_id, usage }
    }

    static func citation(_ n: Int, _ text: String) -> Citation {
        Citation(n: n, passage: DocumentPassage(
            id: "p\(n)_A-z", path: "guides/\"odd\" name \(n).md", title: "Title \u{1} \(n) ✓", headings: ["Setup", "Sign in \\ out"],
            lineStart: 1, lineEnd: 4, text: text))
    }

    @Test(arguments: JSONStringEscapingTests.samples)
    func theReplyWithCitationsIsWhatTheEncoderWrote(text: String) throws {
        let citations = [Self.citation(1, text), Self.citation(2, String(repeating: "long  words\n", count: 60))]
        let written = AnswerJSON.reply(
            sessionID: "abc", answer: text, deployment: "gpt-4o", usage: nil, finishReason: "stop", citations: citations)
        let encoded = JSONResponse.encode(EncodedReply(
            answer: text,
            citations: citations.map { CitationJSON.Body(CitedPassage($0)) },
            deployment: "gpt-4o", finish_reason: "stop", session_id: "abc", usage: nil))
        #expect(String(buffer: written) == String(decoding: encoded, as: UTF8.self))
    }

    @Test func theBodyGetSessionsEncodesHasTheAnswersFields() throws {
        let body = CitationJSON.Body(CitedPassage(Self.citation(3, "some  text")))
        #expect(body == CitationJSON.Body(CitedPassage(
            n: 3, passageID: "p3_A-z", title: "Title \u{1} 3 ✓", path: "guides/\"odd\" name 3.md",
            heading: "Setup › Sign in \\ out", snippet: "some text")))
        #expect(body.url == "/documents/p3_A-z")
    }

    @Test func withoutDocumentsTheReplyHasNoCitationsKey() {
        let written = String(buffer: AnswerJSON.reply(sessionID: "s", answer: "a", deployment: "d", usage: nil, finishReason: nil))
        #expect(written == "{\"answer\":\"a\",\"deployment\":\"d\",\"finish_reason\":null,\"session_id\":\"s\",\"usage\":null}")
        let empty = String(buffer: AnswerJSON.reply(sessionID: "s", answer: "a", deployment: "d", usage: nil, finishReason: nil, citations: []))
        #expect(empty.contains(",\"citations\":[],"))
    }

    @Test func snippetsAreOneLineCutAtAWord() {
        let snippet = CitationJSON.snippet(of: String(repeating: "word\n\t ", count: 100))
        #expect(snippet.count <= CitationJSON.snippetChars)
        #expect(snippet.hasSuffix("word…") && !snippet.contains("\n") && !snippet.contains("  "))
        #expect(CitationJSON.snippet(of: "  short\ntext ") == "short text")
    }

    @Test func theCitationsEventIsOneDataLineOfTheSameObjects() throws {
        let citations = [Self.citation(1, "line one\nline two")]
        let frame = String(buffer: AnswerStreamEvent.citations(citations).buffer)
        #expect(frame.hasPrefix("event: citations\ndata: {\"citations\":[") && frame.hasSuffix("}\n\n"))
        let payload = frame.dropFirst("event: citations\ndata: ".count).dropLast(2)
        #expect(!payload.contains("\n"))
        let object = try #require(JSONSerialization.jsonObject(with: Data(payload.utf8)) as? [String: [[String: Any]]])
        let first = try #require(object["citations"]?.first)
        #expect(first["n"] as? Int == 1)
        #expect(first["url"] as? String == "/documents/p1_A-z")
        #expect(first["heading"] as? String == "Setup › Sign in \\ out")
        #expect(first["snippet"] as? String == "line one line two")
    }

    @Test(arguments: ["..", "%2F", "%2e%2e", "a/b", "/etc/passwd", "a.b", "", String(repeating: "a", count: 129), "é", "a b"])
    func malformedDocumentIDsAreRefusedBeforeAnyLookup(id: String) {
        #expect(!DocumentController.isWellFormed(id))
    }

    @Test func wellFormedDocumentIDs() {
        #expect(DocumentController.isWellFormed("3f9a_B-c"))
        #expect(DocumentController.isWellFormed(String(repeating: "a", count: 128)))
    }
}
