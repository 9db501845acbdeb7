import Foundation
import ParleyOutbound
import Synchronization

/// What a backend pool does with failures: how long a 429 cools a backend, and when its circuit
/// breaker opens. The defaults follow Azure API Management's backend circuit breaker samples (2025):
/// a handful of failures in half a minute opens it for half a minute.
public struct BackendFailurePolicy: Sendable, Equatable {
    /// Failures (connection error, 408, 5xx) within `failureWindow` that open the breaker.
    public var failureThreshold: Int
    public var failureWindow: Duration
    /// How long an open breaker keeps traffic away before one trial request is let through.
    public var openDuration: Duration
    /// A 429 without a usable `retry-after-ms`/`retry-after` cools the backend this long.
    public var defaultCooldown: Duration
    /// The longest a 429 may cool a backend, whatever it asks for (a gateway may send a day).
    public var maxCooldown: Duration

    public init(failureThreshold: Int = 5, failureWindow: Duration = .seconds(30), openDuration: Duration = .seconds(30),
                defaultCooldown: Duration = .seconds(10), maxCooldown: Duration = .seconds(300)) {
        self.failureThreshold = max(1, failureThreshold)
        self.failureWindow = failureWindow
        self.openDuration = openDuration
        self.defaultCooldown = defaultCooldown
        self.maxCooldown = maxCooldown
    }
}

/// A backend's state as `/metrics` shows it.
public enum BackendState: String, Sendable, CaseIterable {
    /// Takes traffic.
    case closed
    /// Answered 429; no traffic until its retry-after has passed.
    case cooling
    /// The circuit breaker is open (or waiting for its one trial request to finish).
    case open

    /// The gauge value: 0 closed, 1 cooling, 2 open.
    public var gaugeValue: Int {
        switch self {
        case .closed: 0
        case .cooling: 1
        case .open: 2
        }
    }
}

/// One backend's cooldown and circuit breaker, read and changed under a lock; time comes from the
/// pool's injected clock, so tests move it instead of sleeping.
final class BackendHealth: Sendable {
    private struct State {
        var coolingUntil: Date?
        var failures: [Date] = []
        var openUntil: Date?
        var trialInFlight = false
    }

    enum Availability: Equatable {
        case usable
        /// Open breaker whose cooldown has passed and whose trial nobody has taken yet.
        case trial
        case cooling(until: Date)
        case open
    }

    private let state = Mutex(State())
    private let policy: BackendFailurePolicy

    init(policy: BackendFailurePolicy) {
        self.policy = policy
    }

    func availability(now: Date) -> Availability {
        state.withLock { state in
            if let until = state.coolingUntil, until > now { return .cooling(until: until) }
            guard let openUntil = state.openUntil else { return .usable }
            return openUntil <= now && !state.trialInFlight ? .trial : .open
        }
    }

    /// Takes the one trial request of an open breaker; false when another request took it first.
    func takeTrial(now: Date) -> Bool {
        state.withLock { state in
            guard let openUntil = state.openUntil, openUntil <= now, !state.trialInFlight else { return false }
            state.trialInFlight = true
            return true
        }
    }

    func state(now: Date) -> BackendState {
        switch availability(now: now) {
        case .usable: .closed
        case .cooling: .cooling
        case .trial, .open: .open
        }
    }

    /// The backend answered: a closed breaker stays closed, an open one (its trial) closes.
    func recordSuccess() {
        state.withLock { state in
            state.failures.removeAll()
            state.openUntil = nil
            state.trialInFlight = false
        }
    }

    /// A 429: no traffic until `now + wait` (bounded by the policy).
    func recordRateLimited(wait: Duration?, now: Date) -> Date {
        let bounded = min(max(wait ?? policy.defaultCooldown, .zero), policy.maxCooldown)
        let until = now.addingTimeInterval(bounded.seconds)
        state.withLock { state in
            state.coolingUntil = max(state.coolingUntil ?? until, until)
            state.trialInFlight = false
        }
        return until
    }

    /// A connection error, 408 or 5xx. Returns true when this failure opened the breaker.
    func recordFailure(now: Date) -> Bool {
        state.withLock { state in
            if state.trialInFlight || state.openUntil != nil {
                // The trial failed (or a request that started before the breaker opened): open again.
                state.trialInFlight = false
                let wasOpen = state.openUntil.map { $0 > now } ?? false
                state.openUntil = now.addingTimeInterval(policy.openDuration.seconds)
                state.failures.removeAll()
                return !wasOpen
            }
            let windowStart = now.addingTimeInterval(-policy.failureWindow.seconds)
            state.failures.removeAll { $0 < windowStart }
            state.failures.append(now)
            guard state.failures.count >= policy.failureThreshold else { return false }
            state.failures.removeAll()
            state.openUntil = now.addingTimeInterval(policy.openDuration.seconds)
            return true
        }
    }

    /// The request ended without saying anything about the backend's health (cancelled, or a 4xx
    /// that is the request's fault): give a taken trial back.
    func releaseTrial() {
        state.withLock { $0.trialInFlight = false }
    }
}
