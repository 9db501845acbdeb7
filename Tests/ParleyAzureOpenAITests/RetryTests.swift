import Foundation
import ParleyAzureOpenAI
import ParleyOutbound
import ParleyTestSupport
import Testing
@testable import ParleyAzureOpenAI

@Suite struct RetryTests {
    @Test func rateLimitRetriesHonourRetryAfterMilliseconds() async throws {
        try await Harness.with(fake: .init(chunkDelay: .zero, rateLimitRetryAfterMilliseconds: 300)) { harness in
            let result = await harness.collect("[[status:429:2]] hi")
            #expect(result.error == nil)
            #expect(result.text == "Echo: hi")
            let records = await harness.fake.requests
            #expect(records.map(\.status) == [429, 429, 200])
            for (earlier, later) in zip(records, records.dropFirst()) {
                #expect(later.receivedAt.timeIntervalSince(earlier.receivedAt) >= 0.3)
            }
            #expect(harness.logs.lines(containing: "retrying").count == 2)
        }
    }

    @Test func serviceUnavailableIsRetriedWithBackoff() async throws {
        try await Harness.with { harness in
            let started = ContinuousClock.now
            let result = await harness.collect("[[status:503:1]] hi")
            #expect(result.text == "Echo: hi")
            #expect(await harness.fake.requests.map(\.status) == [503, 200])
            // First backoff: 0.5 s with up to 25 % negative jitter.
            #expect(ContinuousClock.now - started >= .milliseconds(375))
        }
    }

    @Test func retriesStopAtMaxRetriesAndMapTheLastError() async throws {
        try await Harness.with(configure: { $0.maxRetries = 1 }) { harness in
            let result = await harness.collect("[[status:500]] hi")
            let error = try #require(result.azureError)
            #expect(error.kind == .upstreamError)
            #expect(error.status == 500)
            #expect(error.message.contains("HTTP 500 after 2 attempts"))
            #expect(error.requestID != nil)
            #expect(error.message.contains(error.requestID ?? "?"))
            #expect(await harness.fake.requests.count == 2)
        }
    }

    @Test func rateLimitWithLongerWaitThanTheServerCapIsNotRetried() async throws {
        try await Harness.with(fake: .init(rateLimitRetryAfterMilliseconds: 200_000)) { harness in
            let result = await harness.collect("[[status:429]] hi")
            let error = try #require(result.azureError)
            #expect(error.kind == .rateLimited)
            #expect(error.retryAfterSeconds == 200)
            #expect(error.message.contains("200 seconds"))
            #expect(await harness.fake.requests.count == 1)
        }
    }

    @Test func rateLimitWaitPastTheRequestDeadlineIsNotRetried() async throws {
        try await Harness.with(fake: .init(rateLimitRetryAfterMilliseconds: 20_000),
                               configure: { $0.requestTimeout = .seconds(2) }) { harness in
            let started = ContinuousClock.now
            let result = await harness.collect("[[status:429]] hi")
            #expect(result.azureError?.kind == .rateLimited)
            #expect(result.azureError?.retryAfterSeconds == 20)
            // Waiting would take 20 s; a generous ceiling keeps a busy CI machine from failing it.
            #expect(ContinuousClock.now - started < .seconds(10), "it waited for the 20 s retry-after")
            #expect(await harness.fake.requests.count == 1)
        }
    }

    @Test func rateLimitAfterExhaustedRetriesKeepsRetryAfter() async throws {
        try await Harness.with(fake: .init(rateLimitRetryAfterMilliseconds: 100), configure: { $0.maxRetries = 1 }) { harness in
            let result = await harness.collect("[[status:429]] hi")
            #expect(result.azureError?.kind == .rateLimited)
            #expect(result.azureError?.retryAfterSeconds == 1)
            #expect(await harness.fake.requests.count == 2)
        }
    }

    @Test func noRetryOnceTextWasYielded() async throws {
        try await Harness.with { harness in
            let result = await harness.collect("[[reset]] one two three four")
            #expect(!result.text.isEmpty)
            let error = try #require(result.azureError)
            #expect(error.kind == .upstreamError)
            #expect(error.message.contains("middle of the answer"))
            #expect(await harness.fake.requests.count == 1)
        }
    }

    @Test func connectionRefusedIsRetriedThenReported() async throws {
        // A port that was just free: nothing listens there.
        let fake = try await FakeAzureOpenAI.start()
        let deadPort = fake.port
        try await fake.shutdown()
        try await Harness.with(configure: {
            $0.endpoint = "http://127.0.0.1:\(deadPort)"
            $0.maxRetries = 1
            // AHC reports a refused connection only when the connect timeout ends (AHC 1.37.0, measured).
            $0.connectTimeout = .seconds(1)
        }) { harness in
            let result = await harness.collect("hi")
            let error = try #require(result.azureError)
            #expect(error.kind == .upstreamError || error.kind == .upstreamTimeout)
            #expect(error.message.contains("2 attempts"))
            #expect(harness.logs.lines(containing: "could not be reached; retrying").count == 1)
        }
    }

    @Test func unauthorizedRefreshesTheCredentialAndRetriesOnce() async throws {
        let authenticator = CountingAuthenticator.bearer("expired-token", "fresh-token")
        try await Harness.with(fake: .init(bearerTokenValidator: { $0 == "fresh-token" }),
                               configure: { $0.maxRetries = 0 }, authenticator: authenticator) { harness in
            let result = await harness.collect("hi")
            #expect(result.error == nil)
            #expect(result.text == "Echo: hi")
            #expect(await harness.fake.requests.map(\.bearerToken) == ["expired-token", "fresh-token"])
            #expect(authenticator.counts.invalidations == 1)
            #expect(authenticator.counts.headers == 2)
        }
    }

    @Test func secondUnauthorizedIsAnError() async throws {
        let authenticator = CountingAuthenticator.bearer("bad-1", "bad-2", "bad-3")
        try await Harness.with(fake: .init(bearerTokenValidator: { _ in false }), authenticator: authenticator) { harness in
            let result = await harness.collect("hi")
            let error = try #require(result.azureError)
            #expect(error.kind == .authenticationFailed)
            #expect(await harness.fake.requests.map(\.bearerToken) == ["bad-1", "bad-2"])
            #expect(authenticator.counts.invalidations == 1)
        }
    }

    // MARK: The policy itself

    @Test func backoffFollowsOpenAIPython() {
        #expect(RetryPolicy.azureOpenAI.backoff(retriesTaken: 0, random: 0) == .milliseconds(500))
        #expect(RetryPolicy.azureOpenAI.backoff(retriesTaken: 0, random: 0.999_999) == .milliseconds(375))
        #expect(RetryPolicy.azureOpenAI.backoff(retriesTaken: 1, random: 0) == .seconds(1))
        #expect(RetryPolicy.azureOpenAI.backoff(retriesTaken: 4, random: 0) == .seconds(8))
        #expect(RetryPolicy.azureOpenAI.backoff(retriesTaken: 40, random: 0) == .seconds(8))
    }

    @Test func serverDelayPrefersMillisecondsThenSecondsThenTheMessage() {
        #expect(RetryPolicy.azureOpenAI.serverDelay(retryAfterMilliseconds: "1500", retryAfter: "9", message: nil) == .milliseconds(1500))
        #expect(RetryPolicy.azureOpenAI.serverDelay(retryAfterMilliseconds: nil, retryAfter: "2", message: "Try again in 9 seconds") == .seconds(2))
        #expect(RetryPolicy.azureOpenAI.serverDelay(retryAfterMilliseconds: "junk", retryAfter: nil,
                                        message: "Rate limit is exceeded. Try again in 2 seconds.") == .seconds(2))
        #expect(RetryPolicy.azureOpenAI.serverDelay(retryAfterMilliseconds: nil, retryAfter: nil,
                                        message: "… have exceeded token rate limit … Please retry after 86400 seconds. Please go here") == .seconds(86400))
        #expect(RetryPolicy.azureOpenAI.serverDelay(retryAfterMilliseconds: "0", retryAfter: nil, message: "no hint") == nil)
        let now = Date(timeIntervalSince1970: 1_700_000_000)
        let inTenSeconds = RetryPolicy.azureOpenAI.serverDelay(retryAfterMilliseconds: nil, retryAfter: "Tue, 14 Nov 2023 22:13:30 GMT",
                                                   message: nil, now: now)
        #expect(inTenSeconds == .seconds(10))
    }

    @Test func retryableStatuses() {
        #expect([408, 429, 500, 502, 503, 504].allSatisfy(RetryPolicy.azureOpenAI.isRetryable(status:)))
        #expect(![400, 401, 403, 404, 409, 413].contains(where: RetryPolicy.azureOpenAI.isRetryable(status:)))
    }
}
