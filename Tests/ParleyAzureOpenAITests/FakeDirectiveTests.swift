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
