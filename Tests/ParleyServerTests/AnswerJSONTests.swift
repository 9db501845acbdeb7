import Foundation
import NIOCore
import ParleyChat
@testable import ParleyServer
import Testing

/// The answer objects are written by hand (issue 11); they must say what `JSONEncoder` said.
@Suite("Answer JSON: hand-written, same as the encoder's")
struct AnswerJSONTests {
    /// The encoder's version, as `/ask` wrote it before: sorted keys, explicit nulls.
    struct EncodedReply: Encodable {
        let session_id: String, answer: String, deployment: String, usage: ChatUsage?, finish_reason: String?

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(session_id, forKey: .session_id)
            try container.encode(answer, forKey: .answer)
            try container.encode(deployment, forKey: .deployment)
            try container.encode(usage, forKey: .usage)
            try container.encode(finish_reason, forKey: .finish_reason)
        }

        enum CodingKeys: String, CodingKey { case session_id, answer, deployment, usage, finish_reason }
    }

    static let usages: [ChatUsage?] = [nil, ChatUsage(promptTokens: 12, completionTokens: 0, totalTokens: 12)]

    @Test(arguments: JSONStringEscapingTests.samples, [0, 1])
    func theReplyIsWhatTheEncoderWrote(text: String, usageIndex: Int) throws {
        let usage = Self.usages[usageIndex]
        let finish: String? = usageIndex == 0 ? nil : "length"
        let written = AnswerJSON.reply(sessionID: "abc_-DEF", answer: text, deployment: "gpt-4o \"eu\"", usage: usage, finishReason: finish)
        let encoded = JSONResponse.encode(
            EncodedReply(session_id: "abc_-DEF", answer: text, deployment: "gpt-4o \"eu\"", usage: usage, finish_reason: finish))
        let mine = try #require(JSONSerialization.jsonObject(with: Data(written.readableBytesView)) as? NSDictionary)
        let theirs = try #require(JSONSerialization.jsonObject(with: encoded) as? NSDictionary)
        #expect(mine == theirs)
        #expect(mine["answer"] as? String == text)
        // Same key order as the sorted encoder, and null (not a missing key) for what is unknown.
        let raw = String(buffer: written)
        let keys = ["\"answer\":", "\"deployment\":", "\"finish_reason\":", "\"session_id\":", "\"usage\":"]
        let positions = keys.compactMap { raw.range(of: $0)?.lowerBound }
        #expect(positions.count == keys.count && positions == positions.sorted())
        if usage == nil { #expect(raw.hasSuffix("\"usage\":null}")) }
    }

    @Test func theDoneEventCarriesTheSameAnswerObject() throws {
        let usage = ChatUsage(promptTokens: 3, completionTokens: 4, totalTokens: 7)
        let frame = String(buffer: AnswerStreamEvent.done(answer: "a \"b\"\n\u{1}", usage: usage, finishReason: "stop").buffer)
        #expect(frame.hasPrefix("event: done\ndata: ") && frame.hasSuffix("\n\n"))
        let payload = frame.dropFirst("event: done\ndata: ".count).dropLast(2)
        #expect(!payload.contains("\n"))
        let object = try #require(JSONSerialization.jsonObject(with: Data(payload.utf8)) as? [String: Any])
        #expect(object["answer"] as? String == "a \"b\"\n\u{1}")
        #expect(object["finish_reason"] as? String == "stop")
        let counted = object["usage"] as? [String: Int]
        #expect(counted == ["prompt_tokens": 3, "completion_tokens": 4, "total_tokens": 7])
        let unknown = String(buffer: AnswerStreamEvent.done(answer: "", usage: nil, finishReason: nil).buffer)
        #expect(unknown == "event: done\ndata: {\"answer\":\"\",\"finish_reason\":null,\"usage\":null}\n\n")
    }
}
