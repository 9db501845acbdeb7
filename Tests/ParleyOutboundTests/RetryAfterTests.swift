import Foundation
import ParleyOutbound
import Testing

@Suite("Numbers from outside never trap")
struct RetryAfterTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    @Test(arguments: ["1e300", "inf", "-inf", "nan", "NaN", "99999999999999999999", "1e309", "86401", "9e18"])
    func hugeOrNonFiniteValuesAreClampedOrIgnored(value: String) {
        let parsed = RetryAfter.parse(value, now: Self.now)
        if let parsed { #expect(parsed <= RetryAfter.ceiling) }
        let fromMilliseconds = RetryAfter.parse(retryAfterMilliseconds: value, retryAfter: nil, now: Self.now)
        if let fromMilliseconds { #expect(fromMilliseconds <= RetryAfter.ceiling) }
        if let parsed { #expect(RetryAfter.wholeSeconds(parsed) <= 86_400) }
    }

    @Test(arguments: ["-1", "", "  ", "soon", "1,5", String(repeating: "9", count: 100)])
    func negativeEmptyAndGarbageCountAsNotGiven(value: String) {
        #expect(RetryAfter.parse(value, now: Self.now) == nil)
    }

    @Test func plainValuesAndDates() {
        #expect(RetryAfter.parse("2", now: Self.now) == .seconds(2))
        #expect(RetryAfter.parse("0.25", now: Self.now) == .milliseconds(250))
        #expect(RetryAfter.parse(retryAfterMilliseconds: "1500", retryAfter: "9", now: Self.now) == .milliseconds(1500))
        #expect(RetryAfter.parse(retryAfterMilliseconds: "junk", retryAfter: "9", now: Self.now) == .seconds(9))
        // IMF-fixdate, 30 s after `now`; a date in the past means "now".
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        #expect(RetryAfter.parse(formatter.string(from: Self.now + 30), now: Self.now) == .seconds(30))
        #expect(RetryAfter.parse(formatter.string(from: Self.now - 30), now: Self.now) == .zero)
        #expect(RetryAfter.wholeSeconds(.milliseconds(1001)) == 2)
        #expect(RetryAfter.wholeSeconds(.zero) == 1)
    }

    @Test func externalNumbersBecomeIntsWithoutTrapping() {
        #expect(ExternalNumber.int(1e300, in: 0...Int.max) == Int.max)
        #expect(ExternalNumber.int(Double(Int.max), in: 0...Int.max) == Int.max)
        #expect(ExternalNumber.int(-1e300, in: 0...100) == 0)
        #expect(ExternalNumber.int(.nan, in: 0...100) == nil)
        #expect(ExternalNumber.int(.infinity, in: 0...100) == nil)
        #expect(ExternalNumber.int(42.9, in: 0...100) == 42)
        #expect(ExternalNumber.clamped("1e300", to: 0...3600) == 3600)
        #expect(ExternalNumber.clamped("inf", to: 0...3600) == nil)
        #expect(ExternalNumber.clamped("abc", to: 0...3600) == nil)
    }
}
