import Foundation

/// The wait a server asks for, from `retry-after-ms` (milliseconds; Azure OpenAI) or `Retry-After`
/// (delta-seconds or an HTTP date; RFC 9110 §10.2.3). Any proxy or gateway can send these headers,
/// so they are parsed to a finite value and clamped before any conversion: `1e300`, `inf`, `nan`,
/// twenty digits, `-1`, an empty value or garbage never reach an integer conversion (where they
/// would trap the process). Negative, empty and unparseable values count as "not given".
public enum RetryAfter {
    /// The longest wait represented: a day. Larger values are clamped to it, so a caller can still
    /// tell "far too long to wait" from "not given".
    public static let ceiling: Duration = .seconds(86_400)

    /// `retry-after-ms` first, then `retry-after`.
    public static func parse(retryAfterMilliseconds: String?, retryAfter: String?, now: Date) -> Duration? {
        if let text = retryAfterMilliseconds, let milliseconds = finiteNonNegative(text) {
            return duration(seconds: milliseconds / 1000)
        }
        if let text = retryAfter { return parse(text, now: now) }
        return nil
    }

    /// One `Retry-After` value: delta-seconds (fractions accepted, as some gateways send them) or an HTTP date.
    public static func parse(_ text: String, now: Date) -> Duration? {
        if let seconds = finiteNonNegative(text) { return duration(seconds: seconds) }
        guard let date = httpDate(text.trimmingCharacters(in: .whitespaces)) else { return nil }
        return duration(seconds: max(0, date.timeIntervalSince(now)))
    }

    /// Whole seconds for a `Retry-After` header we send, at least 1.
    public static func wholeSeconds(_ duration: Duration) -> Int {
        let clamped = min(max(duration, .zero), ceiling)
        let (seconds, attoseconds) = clamped.components
        return max(1, Int(seconds) + (attoseconds > 0 ? 1 : 0))
    }

    /// A number of seconds from outside as a `Duration`: nil unless finite; clamped to 0…`ceiling`.
    public static func duration(seconds: Double) -> Duration? {
        guard seconds.isFinite else { return nil }
        let clamped = min(max(seconds, 0), Double(ceiling.components.seconds))
        return .milliseconds(Int64((clamped * 1000).rounded(.up)))
    }

    /// A plain decimal number (no sign, no exponent-only tricks needed: `Double` parses them, and the
    /// finiteness check rejects what overflows).
    private static func finiteNonNegative(_ text: String) -> Double? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty, trimmed.count <= 64, let value = Double(trimmed), value.isFinite, value >= 0 else { return nil }
        return value
    }

    /// IMF-fixdate, the one form RFC 9110 requires senders to use.
    private static func httpDate(_ text: String) -> Date? {
        guard !text.isEmpty, text.count <= 64 else { return nil }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        return formatter.date(from: text)
    }
}

/// Numbers read from outside (JSON fields such as `expires_in`, JWT `exp`, CLI output): finite and
/// clamped before they become integers, dates or durations.
public enum ExternalNumber {
    /// A finite value clamped to `range`; nil for NaN and ±infinity.
    public static func clamped(_ value: Double, to range: ClosedRange<Double>) -> Double? {
        guard value.isFinite else { return nil }
        return min(max(value, range.lowerBound), range.upperBound)
    }

    /// Text holding a number (as JSON strings often do), finite and clamped; nil otherwise.
    public static func clamped(_ text: String, to range: ClosedRange<Double>) -> Double? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty, trimmed.count <= 64, let value = Double(trimmed) else { return nil }
        return clamped(value, to: range)
    }

    /// An `Int` from a finite, clamped value (never traps).
    public static func int(_ value: Double, in range: ClosedRange<Int>) -> Int? {
        guard value.isFinite else { return nil }
        // Double(Int.max) rounds up to 2^63, which Int(_:) cannot hold: compare before converting.
        if value >= Double(range.upperBound) { return range.upperBound }
        if value <= Double(range.lowerBound) { return range.lowerBound }
        return min(max(Int(value.rounded(.towardZero)), range.lowerBound), range.upperBound)
    }
}
