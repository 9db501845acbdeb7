import CoreMetrics
import Synchronization

/// The client's counters (`parley_upstream_retries_total`, `parley_upstream_rate_limited_total`),
/// made once per label and dimensions and then reused: creating a `Counter` asks the factory to look
/// it up by label and dimensions each time, which showed in the CPU profile under load (issue 11).
final class UpstreamCounters: Sendable {
    static let retries = "parley_upstream_retries_total"
    static let rateLimited = "parley_upstream_rate_limited_total"

    private struct Key: Hashable {
        var label: String
        var dimensions: [String]
    }

    private let factory: (any MetricsFactory)?
    private let counters = Mutex<[Key: Counter]>([:])

    init(factory: (any MetricsFactory)?) {
        self.factory = factory
    }

    /// Counts one event by deployment (and reason); nothing without a factory.
    func increment(_ label: String, deployment: String, reason: String? = nil) {
        var dimensions = [("deployment", deployment)]
        if let reason { dimensions.append(("reason", reason)) }
        increment(label, dimensions: dimensions)
    }

    /// Counts one event with these dimensions; nothing without a factory.
    func increment(_ label: String, dimensions: [(String, String)]) {
        guard let factory else { return }
        let key = Key(label: label, dimensions: dimensions.flatMap { [$0.0, $0.1] })
        let counter = counters.withLock { counters in
            if let counter = counters[key] { return counter }
            let counter = Counter(label: label, dimensions: dimensions, factory: factory)
            counters[key] = counter
            return counter
        }
        counter.increment()
    }
}
