import Foundation
import Testing
@testable import ParleyAzureOpenAI
@testable import ParleyTestSupport

/// Where the hand-written chunk scanner answers, it answers exactly what `JSONDecoder` would; where it
/// is unsure it declines (nil) and the decoder decides.
@Suite struct ChunkScannerTests {
    private struct Chunk: Decodable {
        var choices: [Choice]?
        struct Choice: Decodable {
            var index: Int?
            var delta: Delta?
            var finish_reason: String?
        }
        struct Delta: Decodable { var content: String? }
    }

    private static func decoded(_ payload: String) -> ChatCompletionChunkScanner.Result? {
        guard let chunk = try? JSONDecoder().decode(Chunk.self, from: Data(payload.utf8)) else { return nil }
        return .init(choices: chunk.choices?.map { .init(index: $0.index, content: $0.delta?.content, finishReason: $0.finish_reason) })
    }

    private static func scanned(_ payload: String) -> ChatCompletionChunkScanner.Result? {
        var text = payload
        return text.withUTF8 { ChatCompletionChunkScanner.scan(UnsafeRawBufferPointer($0)) }
    }

    /// Every data payload of every recorded Azure stream.
    static let recordedPayloads: [String] = FakeAzureOpenAI.RecordedStream.allCases.flatMap { stream in
        var parser = ServerSentEventParser()
        return (parser.feed(stream.text) + parser.finish()).map(\.data).filter { !$0.hasPrefix("[DONE]") }
    }

    static let trickyPayloads: [String] = [
        #"{"choices":[{"delta":{"content":"a\"b\\c\/d\n\t\u00e9\ud83d\ude00"},"index":0}]}"#,
        #"{"choices":[{"delta":{"content":"Grüße ’"},"index":0,"finish_reason":null}]}"#,
        #"{"choices":[{"delta":{"content":null},"index":null,"finish_reason":"length"}]}"#,
        #"{"choices":[{"index":1,"delta":{"content":"second choice"}},{"index":0,"delta":{"content":"first"}}]}"#,
        #"{"choices":null,"id":""}"#,
        #"  {"choices":[],"x":[1,-2.5e3,true,false,null,{"y":[]}]}  "#,
        #"{"choices":[{"delta":{},"index":0,"logprobs":null,"content_filter_results":{"hate":{"filtered":false}}}]}"#,
        #"{"choices":[{"delta":{"content":"x"},"index":0}],"model":"gpt-4o ’ é","note":"esc \" \u00e9 \ud83d\ude00"}"#,
        #"{"choices":[{"delta":{"content":"x"},"index":0}],"clé":"non-ASCII key"}"#,
        #"{"choices":[{"delta":{"content":"x"},"index":0}],"bad":"\ud800 lone surrogate, skipped"}"#,
        // Declined or rejected:
        #"{"choices":[{"delta":{"content":5},"index":0}]}"#,
        #"{"choices":[{"delta":{"content":"x"},"index":"0"}]}"#,
        #"{"choices":[{"delta":{"content":"x"},"index":0.0}]}"#,
        #"{"choices":[{"delta":{"content":"cut off"#,
        #"{"choices":[{"delta":{"content":"\ud83d"},"index":0}]}"#,
        #"{"choices":[],"usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3}}"#,
        #"{"error":{"message":"boom"}}"#,
        #"{"choices":[]} trailing"#,
        #"{"choices":[01]}"#,
        #"[1,2]"#,
        "",
    ]

    @Test(arguments: recordedPayloads + trickyPayloads)
    func agreesWithJSONDecoderOrDeclines(_ payload: String) {
        guard let scanned = Self.scanned(payload) else { return }  // the decoder decides
        #expect(scanned == Self.decoded(payload), "\(payload)")
    }

    /// Invalid UTF-8 anywhere — in the content, a skipped value or a key — is the decoder's to refuse.
    @Test(arguments: [
        [UInt8](#"{"choices":[{"delta":{"content":"x"},"index":0}],"id":"#.utf8) + [0x22, 0xFF, 0x22, 0x7D],
        [UInt8](#"{"choices":[{"delta":{"content":""#.utf8) + [0xC3, 0x28] + [UInt8](#""},"index":0}]}"#.utf8),
        [UInt8](#"{"choices":[],""#.utf8) + [0xE2, 0x82] + [UInt8](#"":1}"#.utf8),
    ])
    func invalidUTF8IsNeverAccepted(_ payload: [UInt8]) {
        let scanned = payload.withUnsafeBytes { ChatCompletionChunkScanner.scan($0) }
        #expect(scanned == nil)
        #expect((try? JSONSerialization.jsonObject(with: Data(payload))) == nil, "the payload itself must be invalid")
    }

    @Test func ordinaryAzureChunksTakeTheFastPath() {
        let content = FakeAzureOpenAIWire.contentEvent(" word", id: "chatcmpl-1", created: 1)
        #expect(Self.scanned(content)?.choices?.first?.content == " word")
        #expect(Self.scanned(FakeAzureOpenAIWire.promptFilterEvent)?.choices == [])
        #expect(Self.scanned(FakeAzureOpenAIWire.finishEvent(reason: "stop", id: "c", created: 1))?.choices?.first?.finishReason == "stop")
        #expect(Self.scanned(FakeAzureOpenAIWire.annotationEvent(endOffset: 5)) != nil)
        #expect(Self.recordedPayloads.count > 20)
    }

    @Test func usageAndErrorsAreLeftToTheDecoder() {
        #expect(Self.scanned(#"{"choices":[],"usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3}}"#) == nil)
        #expect(Self.scanned(#"{"error":{"message":"boom"}}"#) == nil)
        #expect(Self.scanned(#"{"choices":[],"usage":null}"#) == .init(choices: []))
    }
}
