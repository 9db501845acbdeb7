import Foundation
import ParleyOutbound
import Testing

/// The rules of the one `RetryPolicy`, with made-up values; the identity and Azure OpenAI suites test
/// their presets through their clients.
@Suite struct RetryPolicyTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    static let plain = RetryPolicy(retryableStatuses: [429...429, 500...599], maxRetries: 3, baseDelay: .seconds(1),
                                   goneBaseDelay: .seconds(3), maxDelay: .seconds(5), maxRetryAfter: .seconds(60))

    @Test func statusesAreTheGivenRanges() {
        #expect([429, 500, 503, 599].allSatisfy(Self.plain.isRetryable(status:)))
        #expect(![200, 400, 408, 428, 430, 600].contains(where: Self.plain.isRetryable(status:)))
    }

    @Test func backoffDoublesUpToTheMaximumAndA410StartsHigher() {
        let waits = (0..<5).map { Self.plain.backoff(retriesTaken: $0, random: 0.9) }
        #expect(waits == [.seconds(1), .seconds(2), .seconds(4), .seconds(5), .seconds(5)])
        #expect(Self.plain.backoff(retriesTaken: 1, status: 410) == .seconds(5))
        #expect(Self.plain.backoff(retriesTaken: 0, status: 410) == .seconds(3))
        #expect(Self.plain.backoff(retriesTaken: 1_000) == .seconds(5))
        var tiny = Self.plain
        tiny.maxDelay = .milliseconds(10)
        #expect(tiny.backoff(retriesTaken: 3) == .seconds(1), "a base above the maximum is used as it is")
    }

    @Test func jitterShortensByUpToItsFraction() {
        var jittered = Self.plain
        jittered.jitter = 0.5
        #expect(jittered.backoff(retriesTaken: 1, random: 0) == .seconds(2))
        #expect(jittered.backoff(retriesTaken: 1, random: 0.5) == .milliseconds(1500))
        for _ in 0..<100 {
            #expect((Duration.seconds(1)...Duration.seconds(2)).contains(jittered.backoff(retriesTaken: 1)))
        }
    }

    @Test func aLongServerDelayWaitsTheMaximumOrGivesUp() {
        #expect(Self.plain.delay(retriesTaken: 0, status: 503, serverDelay: .seconds(7)) == .seconds(7))
        #expect(Self.plain.delay(retriesTaken: 0, status: 503, serverDelay: .seconds(600)) == .seconds(60))
        #expect(Self.plain.delay(retriesTaken: 2, status: 503, serverDelay: nil, random: 0) == .seconds(4))
        var givingUp = Self.plain
        givingUp.longServerDelay = .giveUp
        #expect(givingUp.delay(retriesTaken: 0, status: 429, serverDelay: .seconds(60)) == .seconds(60))
        #expect(givingUp.delay(retriesTaken: 0, status: 429, serverDelay: .seconds(61)) == nil)
    }

    @Test func aZeroServerDelayIsHonouredOrIgnoredAsThePolicySays() {
        #expect(Self.plain.serverDelay(retryAfterMilliseconds: "0", retryAfter: "9", now: Self.now) == .zero)
        #expect(Self.plain.serverDelay(retryAfterMilliseconds: nil, retryAfter: "0", now: Self.now) == .zero)
        var positiveOnly = Self.plain
        positiveOnly.honoursZeroServerDelay = false
        #expect(positiveOnly.serverDelay(retryAfterMilliseconds: "0", retryAfter: "9", now: Self.now) == .seconds(9))
        #expect(positiveOnly.serverDelay(retryAfterMilliseconds: nil, retryAfter: "0", now: Self.now) == nil)
    }

    @Test func hostileHeadersNeverTrapAndTheMessageIsTheLastResort() {
        for value in ["1e300", "inf", "nan", "-1", "99999999999999999999", "", "∞"] {
            if let delay = Self.plain.serverDelay(retryAfterMilliseconds: value, retryAfter: value, now: Self.now) {
                #expect(delay <= RetryAfter.ceiling, "\(value)")
            }
        }
        #expect(Self.plain.serverDelay(retryAfterMilliseconds: "junk", retryAfter: nil,
                                       message: "Try again in 3 seconds.", now: Self.now) == .seconds(3))
        #expect(Self.plain.serverDelay(retryAfterMilliseconds: nil, retryAfter: "2",
                                       message: "Try again in 3 seconds.", now: Self.now) == .seconds(2))
        #expect(Self.plain.serverDelay(retryAfterMilliseconds: nil, retryAfter: nil, message: "busy", now: Self.now) == nil)
    }
}
