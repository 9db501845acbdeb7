import ParleyAzureOpenAI
import ParleyTestSupport
import Testing

/// Each recorded Azure stream, replayed byte for byte by the fake over loopback, parsed by the client.
@Suite struct RecordedStreamTests {
    struct Expectation: Sendable, CustomStringConvertible {
        var stream: FakeAzureOpenAI.RecordedStream
        var text: String
        var finish: [String]
        var usage: TokenUsage?
        var skippedEvents = 0
        var description: String { stream.rawValue }
    }

    static let expectations: [Expectation] = [
        .init(stream: .quarkusGPT4o, text: "Hallo Welt!", finish: ["stop"]),
        .init(stream: .enochsitGPT41, text: "Hello! I’m doing well, thank you for asking. How can I assist you today?",
              finish: ["stop"]),
        // Annotation events after `stop`, and no newline after `[DONE]`.
        .init(stream: .semanticKernelAsyncFilter, text: "Kindness", finish: ["stop"]),
        // Legacy `prompt_annotations`, `usage: null` everywhere, "..." lines, trailing spaces.
        .init(stream: .microsoftDocsAsyncFilterPasses, text: "Color is a", finish: ["stop"]),
        // One event is broken by a line wrap (skipped, " better" is lost); the filter verdict comes last.
        .init(stream: .microsoftDocsAsyncFilterBlocked, text: "Hey Jude,", finish: ["content_filter"], skippedEvents: 1),
        // A role event with `content_filter_result.error` only, then EOF without `[DONE]`.
        .init(stream: .filterErrorChunk, text: "", finish: []),
        // The include_usage event alone, then EOF.
        .init(stream: .includeUsageChunk, text: "", finish: [],
              usage: TokenUsage(promptTokens: 22, completionTokens: 34, totalTokens: 56)),
    ]

    @Test(arguments: expectations)
    func replayedVerbatim(_ expected: Expectation) async throws {
        try await check(expected, options: .init(replay: expected.stream))
    }

    @Test(arguments: expectations)
    func replayedInSevenByteWritesWithCRLF(_ expected: Expectation) async throws {
        try await check(expected, options: .init(replay: expected.stream, replayChunkBytes: 7, replayWithCRLF: true))
    }

    @Test func replayDirectiveSelectsARecording() async throws {
        try await Harness.with { harness in
            let result = await harness.collect("[[replay:quarkus-lc4j-azure-gpt4o-2024-08-06-stream]]")
            #expect(result.text == "Hallo Welt!")
        }
    }

    private func check(_ expected: Expectation, options: FakeAzureOpenAI.Options) async throws {
        try await Harness.with(fake: options) { harness in
            let result = await harness.collect("anything")
            #expect(result.error == nil)
            #expect(result.text == expected.text)
            #expect(result.finishReasons == expected.finish)
            #expect(result.usage == expected.usage)
            // `.finished` comes last when there is one.
            if !expected.finish.isEmpty, case .finished = result.events.last {} else if !expected.finish.isEmpty {
                Issue.record("finished is not the last event: \(result.events)")
            }
            let skipped = harness.logs.lines(containing: "unparseable event")
            #expect(skipped.count == expected.skippedEvents)
            // The skipped event's content is not logged.
            #expect(harness.logs.lines(containing: "gpt-35-").isEmpty)
        }
    }
}
