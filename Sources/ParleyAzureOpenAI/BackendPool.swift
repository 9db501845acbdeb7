import CoreMetrics
import Foundation
import Logging
import ParleyOutbound
import Synchronization

/// Several backends behind each picker deployment (issue 15): the lowest priority group with a usable
/// backend answers, weighted random inside the group. A 429 cools that backend until its retry-after
/// and the request moves on at once; a connection error, 408 or 5xx moves it on too and counts
/// towards that backend's circuit breaker. Nothing moves once an event reached the caller. Only when
/// every backend is cooling does the request wait (if the shortest cooldown fits its deadline), else
/// it fails as rate limited with the shortest wait.
public final class BackendPool: Sendable {
    struct Member: Sendable {
        let backend: AzureBackend
        let health: BackendHealth
        var name: String { backend.name }
    }

    private let groups: [String: [Member]]
    private let requestTimeout: Duration
    private let logger: Logger
    private let counters: UpstreamCounters
    private let now: @Sendable () -> Date
    private let random: @Sendable (Int) -> Int

    static let requestsLabel = "parley_backend_requests_total"
    static let failoversLabel = "parley_backend_failovers_total"

    /// - Parameters:
    ///   - backends: by picker deployment. With several backends, give each client `maxRetries` 0:
    ///     the pool moves on instead of waiting (a single backend keeps its client's retries).
    ///   - now: the clock of cooldowns and breakers; tests move it instead of sleeping.
    ///   - random: a number in `0..<n` for the weighted choice.
    public init(backends: [String: [AzureBackend]], policy: BackendFailurePolicy = BackendFailurePolicy(),
                requestTimeout: Duration, logger: Logger, metricsFactory: (any MetricsFactory)? = nil,
                now: @escaping @Sendable () -> Date = { Date() },
                random: @escaping @Sendable (Int) -> Int = { Int.random(in: 0..<$0) }) {
        groups = backends.mapValues { list in list.map { Member(backend: $0, health: BackendHealth(policy: policy)) } }
        self.requestTimeout = requestTimeout
        self.logger = logger
        counters = UpstreamCounters(factory: metricsFactory)
        self.now = now
        self.random = random
    }

    public var deployments: [String] { groups.keys.sorted() }

    /// Every backend's state, for the `parley_backend_state` gauge.
    public func states() -> [(deployment: String, backend: String, state: BackendState)] {
        let instant = now()
        return groups.keys.sorted().flatMap { deployment in
            groups[deployment, default: []].map { (deployment, $0.name, $0.health.state(now: instant)) }
        }
    }

    /// True when a request for `deployment` could be sent now: some backend (of those `include`
    /// accepts) is neither cooling nor behind an open breaker (or its trial is free). Sends nothing.
    public func isUsable(deployment: String, where include: (AzureBackend) -> Bool = { _ in true }) -> Bool {
        let instant = now()
        return groups[deployment, default: []].contains { member in
            guard include(member.backend) else { return false }
            switch member.health.availability(now: instant) {
            case .usable, .trial: return true
            case .cooling, .open: return false
            }
        }
    }

    /// Streams one answer from the best usable backend (see the type's comment). Throws
    /// `AzureOpenAIError`, `CancellationError` or what `onEvent` throws.
    public func streamChatCompletion(
        _ request: ChatCompletionRequest, onEvent: @escaping @Sendable (ChatCompletionEvent) async throws -> Void
    ) async throws {
        guard let members = groups[request.deployment], !members.isEmpty else {
            throw AzureOpenAIError(kind: .deploymentNotFound,
                message: "No backend is configured for deployment '\(request.deployment)'; add it to PARLEY_BACKENDS_FILE.")
        }
        let deadline = ContinuousClock.now + requestTimeout
        var failed = Set<Int>()
        var lastError: AzureOpenAIError?
        var failovers = 0
        while true {
            try Task.checkCancellation()
            let remaining = ContinuousClock.now.duration(to: deadline)
            guard remaining > .zero else { throw timeoutError(lastError) }
            guard let index = pick(members, excluding: failed) else {
                if let wait = shortestCooldown(members) {
                    if members.count > 1, wait < remaining {
                        logger.info("Every Azure OpenAI backend is cooling; waiting for the first",
                                    metadata: ["deployment": "\(request.deployment)", "wait_ms": "\(wait.milliseconds)"])
                        try await TimerSleep.sleep(for: wait)
                        continue
                    }
                    throw rateLimitedError(deployment: request.deployment, wait: wait, lastError: lastError)
                }
                throw lastError ?? AzureOpenAIError(kind: .upstreamError,
                    message: "Every Azure OpenAI backend for deployment '\(request.deployment)' is failing (circuit breakers open). Try again shortly.")
            }
            let member = members[index]
            var backendRequest = request
            backendRequest.deployment = member.backend.deployment
            var client = member.backend.client
            client.configuration.requestTimeout = min(remaining, client.configuration.requestTimeout)
            let delivered = DeliveredFlag()
            do {
                try await client.streamChatCompletionWithinDeadline(backendRequest) { event in
                    delivered.set()
                    try await onEvent(event)
                }
                member.health.recordSuccess()
                count(request.deployment, member, outcome: "ok")
                logger.info("Azure OpenAI answer served",
                            metadata: ["deployment": "\(request.deployment)", "backend": "\(member.name)", "failovers": "\(failovers)"])
                return
            } catch let error as AzureOpenAIError {
                let verdict = Self.classify(error)
                record(verdict, error: error, member: member, deployment: request.deployment)
                // One backend keeps its client's own retries; never move once the caller saw an event.
                guard verdict != .notBackendFault, !delivered.isSet, members.count > 1 else { throw error }
                // A cooling backend is skipped by its state; a failed one is not tried again for this request.
                if verdict == .backendFault { failed.insert(index) }
                lastError = error
                failovers += 1
                counters.increment(Self.failoversLabel, dimensions: [
                    ("deployment", request.deployment), ("backend", member.name),
                    ("reason", verdict == .rateLimited ? "rate_limited" : "failed"),
                ])
                logger.warning("Azure OpenAI backend failed; trying the next one",
                               metadata: ["deployment": "\(request.deployment)", "backend": "\(member.name)",
                                          "status": "\(error.status.map(String.init) ?? "-")", "kind": "\(error.kind.rawValue)"])
            } catch {
                member.health.releaseTrial()
                count(request.deployment, member, outcome: "cancelled")
                throw error
            }
        }
    }

    enum Verdict: Equatable {
        case rateLimited, backendFault, notBackendFault
    }

    /// 429 → rate limited; a connection error, timeout, 408 or 5xx → the backend's fault; any other
    /// refusal (400, 401, 404 …) is the request's or the configuration's, the same on every backend.
    static func classify(_ error: AzureOpenAIError) -> Verdict {
        if error.status == 429 || error.kind == .rateLimited { return .rateLimited }
        if let status = error.status { return status == 408 || status >= 500 ? .backendFault : .notBackendFault }
        return error.kind == .upstreamError || error.kind == .upstreamTimeout ? .backendFault : .notBackendFault
    }

    private func record(_ verdict: Verdict, error: AzureOpenAIError, member: Member, deployment: String) {
        switch verdict {
        case .rateLimited:
            let until = member.health.recordRateLimited(wait: error.retryAfter, now: now())
            count(deployment, member, outcome: "rate_limited")
            logger.info("Azure OpenAI backend cooling", metadata: [
                "deployment": "\(deployment)", "backend": "\(member.name)",
                "until": "\(ISO8601DateFormatter().string(from: until))",
            ])
        case .backendFault:
            count(deployment, member, outcome: "failed")
            if member.health.recordFailure(now: now()) {
                logger.warning("Azure OpenAI backend circuit breaker opened",
                               metadata: ["deployment": "\(deployment)", "backend": "\(member.name)"])
            }
        case .notBackendFault:
            member.health.releaseTrial()
            count(deployment, member, outcome: "refused")
        }
    }

    private func count(_ deployment: String, _ member: Member, outcome: String) {
        counters.increment(Self.requestsLabel, dimensions: [
            ("deployment", deployment), ("backend", member.name), ("outcome", outcome),
        ])
    }

    /// The lowest priority group with a usable backend, then weighted random inside it. Takes the
    /// trial of an open breaker when it picks one.
    private func pick(_ members: [Member], excluding failed: Set<Int>) -> Int? {
        var excluded = failed
        while true {
            let instant = now()
            var candidates: [(index: Int, trial: Bool)] = []
            for (index, member) in members.enumerated() where !excluded.contains(index) {
                switch member.health.availability(now: instant) {
                case .usable: candidates.append((index, false))
                case .trial: candidates.append((index, true))
                case .cooling, .open: continue
                }
            }
            guard let best = candidates.map({ members[$0.index].backend.priority }).min() else { return nil }
            let group = candidates.filter { members[$0.index].backend.priority == best }
            let total = group.reduce(0) { $0 + members[$1.index].backend.weight }
            var roll = random(total)
            var chosen = group[group.count - 1]
            for candidate in group {
                let weight = members[candidate.index].backend.weight
                if roll < weight {
                    chosen = candidate
                    break
                }
                roll -= weight
            }
            if !chosen.trial || members[chosen.index].health.takeTrial(now: instant) { return chosen.index }
            excluded.insert(chosen.index)
        }
    }

    /// The shortest wait until a cooling backend takes traffic again.
    private func shortestCooldown(_ members: [Member]) -> Duration? {
        let instant = now()
        let untils = members.enumerated().compactMap { index, member -> Date? in
            if case .cooling(let until) = member.health.availability(now: instant) { return until }
            return nil
        }
        guard let first = untils.min() else { return nil }
        return .milliseconds(Int64((first.timeIntervalSince(instant) * 1000).rounded(.up)))
    }

    private func rateLimitedError(deployment: String, wait: Duration, lastError: AzureOpenAIError?) -> AzureOpenAIError {
        let seconds = RetryAfter.wholeSeconds(wait)
        var error = AzureOpenAIError(kind: .rateLimited,
            message: "Every Azure OpenAI backend for deployment '\(deployment)' is rate limited; "
                + "the first is free again in \(seconds) second\(seconds == 1 ? "" : "s"). Try again then.",
            status: 429, retryAfterSeconds: seconds, requestID: lastError?.requestID)
        error.retryAfter = wait
        return error
    }

    private func timeoutError(_ lastError: AzureOpenAIError?) -> AzureOpenAIError {
        AzureOpenAIError(kind: .upstreamTimeout,
            message: "Azure OpenAI did not finish the answer within \(ChatCompletionCall.format(requestTimeout)) "
                + "(the whole-request timeout, over every backend tried). Try again, or ask for a shorter answer.")
    }
}

/// Whether an event of this attempt reached the caller (set from the client's callback).
private final class DeliveredFlag: Sendable {
    private let value = Mutex(false)
    func set() { value.withLock { $0 = true } }
    var isSet: Bool { value.withLock { $0 } }
}
