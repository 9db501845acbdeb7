import Foundation
import ParleyOutbound

/// Limits for the expiry numbers that Entra, IMDS, App Service and the CLIs send (issue 9): a
/// number from outside is checked to be finite and then clamped before it becomes a `Date`, so a
/// buggy or hostile `expires_in: 1e300` can neither trap the process nor pin a token in the
/// cache for centuries.
enum TokenLifetime {
    /// The longest lifetime honoured. Entra access tokens live at most 24 h (managed identities
    /// ≈ 24 h, app registrations 60–90 min; learn.microsoft.com configurable-token-lifetimes,
    /// checked 2026-11); twice that leaves room for clock skew and still bounds a hostile value.
    static let maximum: TimeInterval = 48 * 3600

    /// Epoch seconds as a date no later than `maximum` after `requestTime`; nil unless finite.
    /// A past date stays a past date (the caller reports it as already expired).
    static func expiry(epochSeconds: Double, requestTime: Date) -> Date? {
        let now = requestTime.timeIntervalSince1970
        guard let clamped = ExternalNumber.clamped(epochSeconds, to: 0...(now + maximum)) else { return nil }
        return Date(timeIntervalSince1970: clamped)
    }

    /// Seconds from `requestTime`, clamped to 0…`maximum`; nil unless finite.
    static func seconds(_ value: Double) -> TimeInterval? {
        ExternalNumber.clamped(value, to: 0...maximum)
    }
}
