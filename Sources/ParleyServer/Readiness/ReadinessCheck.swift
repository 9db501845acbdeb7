/// Whether `/ask` can be served now: every part (the model's credential, the session store) must
/// be ready. `/readyz` answers 503 otherwise, with a plain sentence per part; the part's own
/// explanation (which may name client ids, hosts or files) goes to the log only.
struct Readiness: Sendable {
    struct Part: Sendable {
        let name: String
        /// nil when ready, else the operator's explanation (logged, never sent).
        let check: @Sendable () async -> String?
        /// What an anonymous client is told when this part is not ready.
        let publicReason: String
    }

    let parts: [Part]

    func check() async -> ReadinessResult {
        var result = ReadinessResult()
        for part in parts {
            if let problem = await part.check() {
                result.checks[part.name] = "unavailable"
                result.reason = result.reason ?? part.publicReason
                result.details[part.name] = problem
            } else {
                result.checks[part.name] = "ok"
            }
        }
        return result
    }
}

struct ReadinessResult: Sendable, Equatable {
    /// Each part's state, "ok" or "unavailable", e.g. ["model": "ok", "store": "unavailable"].
    var checks: [String: String] = [:]
    /// Why Parley is not ready (a plain sentence), or nil when it is.
    var reason: String?
    /// The operator's explanation per part that is not ready: for the log only.
    var details: [String: String] = [:]
}
