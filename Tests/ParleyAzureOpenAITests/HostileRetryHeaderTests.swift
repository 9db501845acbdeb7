import AsyncHTTPClient
import Foundation
import NIOCore
import ParleyAzureOpenAI
import ParleyOutbound
import ParleyTestSupport
import Testing
@testable import ParleyAzureOpenAI

/// `retry-after` / `retry-after-ms` come from whoever answers (Azure, a gateway, a proxy): no value
/// may trap the process, and the error still carries a sane wait.
@Suite struct HostileRetryHeaderTests {
    struct Case: Sendable, CustomStringConvertible {
        var header: String
        var value: String
        var status: Int
        /// The `retryAfterSeconds` the error must carry.
        var expected: Int?
        var description: String { "\(status) \(header): '\(value)'" }
    }

    /// A day: `RetryAfter.ceiling`, what absurdly large values are clamped to.
    static let day = 86_400
    /// The fake's 429 body says "Try again in 2 seconds": used when no header value is usable.
    static let fromMessage = 2

    static let cases: [Case] = {
        var cases: [Case] = []
        for header in ["retry-after", "retry-after-ms"] {
            let isMilliseconds = header == "retry-after-ms"
            let values: [(String, Int?)] = [
                ("1e300", day), ("inf", nil), ("-inf", nil), ("nan", nil), ("-1", nil), ("99999999999999999999", day),
                ("", nil), ("Tue, 14 Nov 2023 22:13:30 GMT", nil),
                ("Fri, 01 Jan 2100 00:00:00 GMT", isMilliseconds ? nil : day), ("1.5", isMilliseconds ? 1 : 2),
            ]
            for (value, expected) in values {
                cases.append(Case(header: header, value: value, status: 429, expected: expected ?? fromMessage))
                cases.append(Case(header: header, value: value, status: 503, expected: expected))
            }
        }
        return cases
    }()

    @Test(arguments: cases)
    func hostileValueIsSurvivedAndReportedSanely(_ test: Case) async throws {
        let directive = test.header == "retry-after" ? "retry_after" : "retry_after_ms"
        try await Harness.with(fake: .init(chunkDelay: .zero), configure: { $0.maxRetries = 0 }) { harness in
            let result = await harness.collect("[[status:\(test.status)]] [[\(directive):\(test.value)]] hi")
            let error = try #require(result.azureError)
            #expect(error.kind == (test.status == 429 ? .rateLimited : .upstreamError))
            #expect(error.status == test.status)
            #expect(error.retryAfterSeconds == test.expected)
            if let seconds = error.retryAfterSeconds { #expect((1...Self.day).contains(seconds)) }
            #expect(await harness.fake.requests.count == 1)
        }
    }

    @Test func theFakeSendsTheScriptedValuesVerbatim() async throws {
        try await Harness.with { harness in
            var request = HTTPClientRequest(
                url: "\(harness.fake.endpoint)/openai/deployments/gpt-4/chat/completions?api-version=2024-10-21")
            request.method = .POST
            request.headers.add(name: "api-key", value: "k")
            request.body = .bytes(ByteBuffer(string:
                #"{"stream":true,"messages":[{"role":"user","content":"[[status:503]] [[retry_after:1e300]] [[retry_after_ms:]]"}]}"#))
            let response = try await harness.httpClient.execute(request, timeout: .seconds(5))
            #expect(response.status.code == 503)
            #expect(response.headers["retry-after"] == ["1e300"])
            #expect(response.headers["retry-after-ms"] == [""])
        }
    }

    @Test func aWaitOverTheCapIsNotRetriedEvenWithRetriesLeft() async throws {
        try await Harness.with(configure: { $0.maxRetries = 2 }) { harness in
            let result = await harness.collect("[[status:429]] [[retry_after_ms:1e300]] hi")
            #expect(result.azureError?.kind == .rateLimited)
            #expect(result.azureError?.retryAfterSeconds == Self.day)
            #expect(result.azureError?.message.contains("86400 seconds") == true)
            #expect(await harness.fake.requests.count == 1)
        }
    }

    @Test func unusableHeadersFallBackToBackoffAndRetry() async throws {
        try await Harness.with(configure: { $0.maxRetries = 1 }) { harness in
            let result = await harness.collect("[[status:503:1]] [[retry_after:nan]] [[retry_after_ms:-1]] hi")
            #expect(result.error == nil)
            #expect(result.text == "Echo: hi")
            #expect(await harness.fake.requests.map(\.status) == [503, 200])
        }
    }

    @Test func policyNeverTrapsOnHostileText() {
        let hostile = ["1e300", "-1e300", "inf", "+inf", "nan", "-nan", "1e-300", "99999999999999999999", "", " ",
                       "18446744073709551616", "9223372036854775807", "Tue, 14 Nov 2023 22:13:30 GMT", "∞", "1_000"]
        for value in hostile {
            for delay in [RetryPolicy.azureOpenAI.serverDelay(retryAfterMilliseconds: value, retryAfter: nil, message: nil),
                          RetryPolicy.azureOpenAI.serverDelay(retryAfterMilliseconds: nil, retryAfter: value, message: nil)] {
                guard let delay else { continue }
                #expect(delay > .zero && delay <= .seconds(Self.day), "\(value)")
                #expect((1...Self.day).contains(RetryAfter.wholeSeconds(delay)), "\(value)")
            }
        }
    }
}
