import Foundation
import Synchronization

/// Mints the fake's access tokens (unsigned JWTs with real claim names) and remembers each one
/// with its expiry, so a fake Azure OpenAI can accept exactly the tokens the fake Entra issued.
public final class FakeEntraTokenIssuer: Sendable {
    private struct State {
        var serial = 0
        var issued: [String: Date] = [:]
        var order: [String] = []
    }

    private let state = Mutex(State())
    private let now: @Sendable () -> Date

    public init(now: @escaping @Sendable () -> Date = { Date() }) {
        self.now = now
    }

    /// A new token for `audience` valid for `lifetime` seconds from the fake's clock.
    public func issue(lifetime: Int, audience: String, appID: String = "66666666-6666-6666-6666-666666666666",
                      tenantID: String = "00000000-0000-0000-0000-000000000000") -> (token: String, expiresOn: Date) {
        let issuedAt = now()
        let expiresOn = issuedAt.addingTimeInterval(TimeInterval(lifetime))
        return state.withLock {
            $0.serial += 1
            let token = TestJWT.accessToken(appID: appID, tenantID: tenantID,
                                            audience: audience.hasSuffix("/.default") ? String(audience.dropLast(9)) : audience,
                                            issuedAt: issuedAt, lifetime: TimeInterval(lifetime), serial: $0.serial)
            $0.issued[token] = expiresOn
            $0.order.append(token)
            return (token, expiresOn)
        }
    }

    /// Every token issued so far, oldest first.
    public var issuedTokens: [String] { state.withLock { $0.order } }

    /// True when `token` was issued here and has not expired at `time` (default: the fake's clock).
    public func isValid(_ token: String, at time: Date? = nil) -> Bool {
        let time = time ?? now()
        return state.withLock { $0.issued[token].map { time < $0 } ?? false }
    }
}
