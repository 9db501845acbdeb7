import ParleyAzureOpenAI
import ParleyTestSupport
import Testing

/// No key, token or message content may reach a log line or an error message.
@Suite struct SecretHygieneTests {
    @Test func apiKeyAndQuestionNeverLoggedOrInErrors() async throws {
        let key = "KEY-d41d8cd98f00b204e9800998ecf8427e"
        try await Harness.with(fake: .init(apiKey: "another-key", chunkDelay: .zero),
                               authenticator: APIKeyAuthenticator(key: key)) { harness in
            let result = await harness.collect("my secret question QUESTION-MARKER")
            let error = try #require(result.azureError)
            #expect(!error.message.contains(key) && !error.description.contains(key))
            #expect(!harness.logs.lines.isEmpty)
            #expect(harness.logs.lines(containing: key).isEmpty)
            #expect(harness.logs.lines(containing: "QUESTION-MARKER").isEmpty)
        }
    }

    @Test func bearerTokenNeverLoggedOrInErrorsAcrossRetriesAndSuccess() async throws {
        let first = fakeJWT(oid: "11111111-2222-3333-4444-555555555555", marker: "FIRSTTOKEN")
        let second = fakeJWT(oid: "11111111-2222-3333-4444-555555555555", marker: "SECONDTOKEN")
        let authenticator = CountingAuthenticator.bearer(first, second)
        try await Harness.with(fake: .init(chunkDelay: .zero, rateLimitRetryAfterMilliseconds: 10),
                               authenticator: authenticator) { harness in
            let answered = await harness.collect("[[status:429:1]] ANSWER-MARKER")
            #expect(answered.text.contains("ANSWER-MARKER"))  // the answer did flow…
            let denied = await harness.collect("[[status:401]] hi")
            let error = try #require(denied.azureError)
            #expect(error.kind == .permissionDenied)
            for secret in [first, second, "FIRSTTOKEN", "SECONDTOKEN"] {
                #expect(!error.message.contains(secret))
                #expect(harness.logs.lines(containing: secret).isEmpty)
            }
            // …but neither question nor answer text was logged.
            #expect(harness.logs.lines(containing: "ANSWER-MARKER").isEmpty)
            #expect(harness.logs.lines(containing: "Azure OpenAI responded").count >= 3)
        }
    }
}
