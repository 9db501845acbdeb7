import Foundation
import NIOCore

/// Parley's one set of `Duration` conversions, for every target (stdlib `components` underneath).
extension Duration {
    /// NIO's `TimeAmount` for this duration (nanosecond precision, saturating).
    public var timeAmount: TimeAmount {
        let (seconds, attoseconds) = components
        let nanos = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        guard !nanos.overflow else { return .nanoseconds(Int64.max) }
        return .nanoseconds(nanos.partialValue + attoseconds / 1_000_000_000)
    }

    /// The duration in seconds as a floating-point number (a `TimeInterval`, for arithmetic).
    public var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }

    /// Whole milliseconds (for log lines).
    public var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }

    /// Whole nanoseconds.
    public var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }

    /// Seconds for a message a person reads: "1", "0.5" or "15".
    public var secondsText: String {
        let value = Double(nanoseconds) / 1e9
        return value.rounded() == value ? String(Int64(value)) : String(format: "%.1f", value)
    }
}
