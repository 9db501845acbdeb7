/// Whether `/ask` can be served now. `/readyz` answers 503 with the reason otherwise.
public protocol ReadinessCheck: Sendable {
    func check() async -> ReadinessResult
}

public struct ReadinessResult: Sendable, Equatable {
    /// Each part's state ("ok" or what is wrong), e.g. ["credential": "ok", "store": "ok"].
    public var checks: [String: String]
    /// Why Parley is not ready, or nil when it is.
    public var reason: String?

    public static func ready(_ checks: [String: String]) -> ReadinessResult {
        ReadinessResult(checks: checks, reason: nil)
    }
}

/// All parts must be ready; the first failure is the reason.
struct CombinedReadiness: ReadinessCheck {
    let parts: [(name: String, check: @Sendable () async -> String?)]

    func check() async -> ReadinessResult {
        var checks: [String: String] = [:]
        var reason: String?
        for part in parts {
            if let problem = await part.check() {
                checks[part.name] = problem
                reason = reason ?? problem
            } else {
                checks[part.name] = "ok"
            }
        }
        return ReadinessResult(checks: checks, reason: reason)
    }
}
