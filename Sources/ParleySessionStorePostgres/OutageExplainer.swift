import Foundation

/// Turns "the pool waited and gave up" into what is actually wrong (refused, TLS, login) by one
/// direct connection attempt, at most every `interval`, so an outage does not multiply connects.
/// While a probe has just failed, operations fail fast with its reason instead of queueing.
actor OutageExplainer {
    struct Diagnosis {
        let reason: String
        /// The direct connection worked: the database is back (or never left) and the pool is the
        /// one waiting, in its own backoff of up to a minute.
        let reachable: Bool
    }

    private let settings: PostgresConnectionSettings
    private let password: @Sendable () async throws -> String?
    private let interval: TimeInterval
    private var lastFailure: (time: Date, reason: String)?

    init(settings: PostgresConnectionSettings, password: @escaping @Sendable () async throws -> String?, interval: TimeInterval = 2) {
        self.settings = settings
        self.password = password
        self.interval = interval
    }

    /// The reason of a probe that failed within `interval`, if any.
    func recentOutage() -> String? {
        guard let lastFailure, Date().timeIntervalSince(lastFailure.time) < interval else { return nil }
        return lastFailure.reason
    }

    func diagnose(_ failure: PostgresStoreFailure) async -> Diagnosis {
        switch failure {
        case .timedOut, .other:
            break
        case .postgres(let error) where error.serverInfo == nil:
            break
        default:
            return Diagnosis(reason: failure.description, reachable: false)
        }
        if let recent = recentOutage() { return Diagnosis(reason: recent, reachable: false) }
        let report: PostgresConnectionCheck.Report
        do {
            report = await PostgresConnectionCheck.run(settings: settings, password: try await password(), timeout: .seconds(2))
        } catch {
            let reason = PostgresStoreFailure.noToken(String(describing: error)).description
            lastFailure = (Date(), reason)
            return Diagnosis(reason: reason, reachable: false)
        }
        if report.ok {
            lastFailure = nil
            return Diagnosis(reason: failure.description, reachable: true)
        }
        lastFailure = (Date(), report.summary)
        return Diagnosis(reason: report.summary, reachable: false)
    }
}
