import Testing
@testable import ParleyTestSupport

@Suite struct FakeDirectiveTests {
    @Test func parsesEveryDirective() {
        let all = FakeAzureOpenAIDirectives(parsing: "q [[status:429:2]] [[slow]] [[garbage]] [[no_done]] [[head_delay:50]]")
        #expect(all.status?.code == 429 && all.status?.count == 2)
        #expect(all.slow && all.garbage && all.noDone && !all.hang)
        #expect(all.headDelayMilliseconds == 50)
        #expect(all.remainder == "q")
        #expect(FakeAzureOpenAIDirectives(parsing: "[[status:500]]").status?.count == nil)
        #expect(FakeAzureOpenAIDirectives(parsing: "[[replay:sk-dotnet-stream-async-filter]]").replay == .semanticKernelAsyncFilter)
        #expect(FakeAzureOpenAIDirectives(parsing: "[[content_filter]]").contentFilter)
        #expect(FakeAzureOpenAIDirectives(parsing: "[[filtered_stream]]").filteredStream)
        #expect(FakeAzureOpenAIDirectives(parsing: "[[context_length]]").contextLength)
        #expect(FakeAzureOpenAIDirectives(parsing: "[[hang]]").hang)
    }

    @Test func parsesTheHostileUpstreamDirectives() {
        let d = FakeAzureOpenAIDirectives(parsing:
            "q [[status:307]] [[retry_after:Tue, 14 Nov 2023 22:13:30 GMT]] [[retry_after_ms:]] [[location:http://127.0.0.1:9/x?a=b]] "
            + "[[body:invalid_token]] [[huge_event:2097152:2048]] [[finish:length]]")
        #expect(d.status?.code == 307)
        #expect(d.retryAfter == "Tue, 14 Nov 2023 22:13:30 GMT")
        #expect(d.retryAfterMilliseconds == "")
        #expect(d.location == "http://127.0.0.1:9/x?a=b")
        #expect(d.body == "invalid_token")
        #expect(d.hugeEvent?.bytes == 2_097_152 && d.hugeEvent?.lines == 2048)
        #expect(d.finishReason == "length")
        #expect(d.remainder == "q")
        #expect(FakeAzureOpenAIDirectives(parsing: "[[huge_event:10]]").hugeEvent?.lines == 1)
        #expect(FakeAzureOpenAIDirectives(parsing: "[[retry_after_ms:1e300]]").retryAfterMilliseconds == "1e300")
    }

    @Test func sayRunsToTheFinalBrackets() {
        let say = FakeAzureOpenAIDirectives(parsing: "[[slow]] [[say:a ]] b [[x]] c]]")
        #expect(say.say == "a ]] b [[x]] c")
        #expect(say.slow)
    }

    @Test func wordsKeepTheirSpacesAndConcatenateBack() {
        for text in ["Echo: a  b", " lead", "one", "", "trail  "] {
            #expect(FakeAzureOpenAIChunking.words(text).joined() == text)
        }
        #expect(FakeAzureOpenAIChunking.words("Echo: a  b") == ["Echo:", " a", "  b"])
    }
}
