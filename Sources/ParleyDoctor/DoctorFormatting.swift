import Foundation

/// Small text helpers shared by the doctor's checks.
enum DoctorFormatting {
    /// "2026-01-01T10:00:00Z (in 59 min)" or "… (expired 3 min ago)".
    static func expiry(_ date: Date, now: Date) -> String {
        "\(date.formatted(.iso8601)) (\(remaining(date.timeIntervalSince(now))))"
    }

    /// "in 59 min", "in 40 s", "expired 3 min ago", "in 2 h 5 min".
    static func remaining(_ seconds: TimeInterval) -> String {
        let magnitude = Int(abs(seconds).rounded())
        let text: String
        if magnitude < 120 {
            text = "\(magnitude) s"
        } else if magnitude < 7200 {
            text = "\(magnitude / 60) min"
        } else {
            text = "\(magnitude / 3600) h \(magnitude % 3600 / 60) min"
        }
        return seconds >= 0 ? "in \(text)" : "expired \(text) ago"
    }

    /// "expires in 59 min" or "expired 3 min ago".
    static func lifetime(_ seconds: TimeInterval) -> String {
        seconds >= 0 ? "expires \(remaining(seconds))" : remaining(seconds)
    }

    /// The AADSTS codes named in a text, in order (e.g. [70021] from "…, AADSTS70021): …").
    static func entraCodes(in text: String) -> [Int] {
        text.matches(of: /AADSTS(\d{4,9})/).compactMap { Int($0.1) }.reduce(into: []) { codes, code in
            if !codes.contains(code) { codes.append(code) }
        }
    }

    /// Splits an identity-library reason at " What to check: " into what happened and the hint.
    static func splitHint(_ reason: String) -> (what: String, hint: String?) {
        guard let range = reason.range(of: " What to check: ") else { return (reason, nil) }
        var hint = String(reason[range.upperBound...])
        // The trailing "(trace ID …, correlation ID …)" belongs to what happened.
        var identifiers = ""
        if let open = hint.range(of: " (", options: .backwards), hint.hasSuffix(")"),
           hint[open.upperBound...].lowercased().contains("trace") {
            identifiers = String(hint[open.lowerBound...])
            hint = String(hint[..<open.lowerBound])
        }
        return (String(reason[..<range.lowerBound]) + identifiers, hint)
    }

    /// The value of `Assertion <label>: '<value>'` in Entra's AADSTS70021 text, if present.
    static func entraAssertionValue(_ label: String, in text: String) -> String? {
        guard let start = text.range(of: "Assertion \(label): '") else { return nil }
        let rest = text[start.upperBound...]
        guard let end = rest.firstIndex(of: "'") else { return nil }
        return String(rest[..<end])
    }
}
