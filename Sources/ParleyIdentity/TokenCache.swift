import Foundation
import Logging

/// One per process: caches a token per scope and refreshes it before it expires.
///
/// - Single flight: concurrent callers share one in-flight request (an actor alone is not enough,
///   it is re-entrant, so the in-flight refresh is kept explicitly).
/// - Refresh at `refreshOn` (Entra's `refresh_in`, else half the lifetime of tokens ≥ 2 h) and no
///   later than 5 minutes before expiry, minus 0–60 s of jitter (azure-core / Go `azcore`, 2026).
/// - During such an early refresh callers get the still-valid token; a failed early refresh is
///   logged and dropped, and early attempts are at least 30 s apart (azure-identity
///   `DEFAULT_TOKEN_REFRESH_RETRY_DELAY`, Go `temporal.Resource`, 2026).
/// - Once the token has expired callers wait; a failure reaches exactly the callers waiting for it
///   and is never remembered, so the next call tries again (unlike soto-core#708).
/// - A cancelled caller stops waiting but the shared refresh keeps running for the others.
/// - Time comes from `now`, so tests never sleep for expiry.
public actor TokenCache {
    /// Refresh no later than this before expiry (azure-identity `DEFAULT_REFRESH_OFFSET`, Go 5 min).
    public static let refreshMargin: TimeInterval = 300
    /// Minimum gap between early refresh attempts.
    public static let earlyRetryInterval: TimeInterval = 30
    /// Upper bound of the random jitter subtracted from the refresh time (azure-core 0–60 s).
    public static let maxJitter: TimeInterval = 60

    private struct Entry {
        var token: AccessToken
        var refreshAt: Date
    }

    private struct Refresh {
        let id: UInt64
        var waiters: [UInt64: CheckedContinuation<AccessToken, any Error>] = [:]
    }

    private let credential: any TokenCredential
    private let logger: Logger
    private let now: @Sendable () -> Date
    private let jitter: @Sendable () -> TimeInterval
    private let expiryMargin: TimeInterval
    private var entries: [String: Entry] = [:]
    private var inFlight: [String: Refresh] = [:]
    private var lastEarlyAttempt: [String: Date] = [:]
    private var nextID: UInt64 = 0
    private var requests = 0

    /// - Parameters:
    ///   - now: the clock; tests pass a manual one.
    ///   - jitter: seconds subtracted from each refresh time; tests pass `{ 0 }`.
    ///   - expiryMargin: a token this close to `expiresOn` counts as expired, so it is not sent
    ///     just as it lapses (clock skew, transit time).
    public init(credential: any TokenCredential, logger: Logger,
                now: @escaping @Sendable () -> Date = { Date() },
                jitter: @escaping @Sendable () -> TimeInterval = { TimeInterval.random(in: 0...TokenCache.maxJitter) },
                expiryMargin: TimeInterval = 10) {
        self.credential = credential
        self.logger = logger
        self.now = now
        self.jitter = jitter
        self.expiryMargin = expiryMargin
    }

    /// A valid token for `scope`, from the cache when possible.
    public func token(for scope: String) async throws -> AccessToken {
        let time = now()
        if let entry = entries[scope], time < entry.token.expiresOn.addingTimeInterval(-expiryMargin) {
            if time >= entry.refreshAt, inFlight[scope] == nil,
               time.timeIntervalSince(lastEarlyAttempt[scope] ?? .distantPast) >= Self.earlyRetryInterval {
                lastEarlyAttempt[scope] = time
                logger.debug("refreshing the token early", metadata: [
                    "scope": "\(scope)", "expires_on": "\(entry.token.expiresOn.formatted(.iso8601))",
                ])
                startRefresh(scope: scope)
            }
            return entry.token
        }
        if inFlight[scope] == nil { startRefresh(scope: scope) }
        return try await waitForRefresh(scope: scope)
    }

    /// Forget the token for `scope` (Azure OpenAI answered 401): the next call fetches a new one.
    public func invalidate(scope: String) {
        entries[scope] = nil
        lastEarlyAttempt[scope] = nil
        logger.info("cached token invalidated", metadata: ["scope": "\(scope)"])
    }

    /// Forget the token for `scope` only if it is still `rejected` (Azure OpenAI answered 401 to it).
    /// Another request may have refreshed the token since `rejected` was handed out; that fresh
    /// token is kept, so concurrent 401s cost one refresh, not one each. Returns whether the token
    /// was forgotten.
    @discardableResult
    public func invalidate(scope: String, ifTokenIs rejected: String) -> Bool {
        guard let entry = entries[scope], entry.token.token == rejected else {
            logger.debug("cached token already replaced; kept", metadata: ["scope": "\(scope)"])
            return false
        }
        invalidate(scope: scope)
        return true
    }

    /// When the cached token for `scope` expires, for the "seconds until expiry" metric.
    public func expiresOn(scope: String) -> Date? {
        entries[scope]?.token.expiresOn
    }

    /// How many times the credential was asked for a token (for tests and metrics).
    public var credentialRequests: Int { requests }

    /// When the cached token for `scope` will be refreshed early (for diagnostics).
    public func refreshAt(scope: String) -> Date? {
        entries[scope]?.refreshAt
    }

    private func startRefresh(scope: String) {
        nextID += 1
        let id = nextID
        requests += 1
        inFlight[scope] = Refresh(id: id)
        let credential = credential
        // Unstructured on purpose: no caller owns the refresh, so no caller's cancellation ends it.
        Task {
            let result: Result<AccessToken, any Error>
            do {
                result = .success(try await credential.getToken(scopes: [scope]))
            } catch {
                result = .failure(error)
            }
            self.finish(scope: scope, id: id, result: result)
        }
    }

    private func finish(scope: String, id: UInt64, result: Result<AccessToken, any Error>) {
        guard let refresh = inFlight[scope], refresh.id == id else { return }
        inFlight[scope] = nil
        switch result {
        case .success(let token):
            let refreshAt = refreshTime(for: token)
            entries[scope] = Entry(token: token, refreshAt: refreshAt)
            logger.debug("token cached", metadata: [
                "scope": "\(scope)", "expires_on": "\(token.expiresOn.formatted(.iso8601))",
                "refresh_at": "\(refreshAt.formatted(.iso8601))",
            ])
        case .failure(let error):
            if refresh.waiters.isEmpty, let entry = entries[scope] {
                logger.warning("early token refresh failed; still using the cached token", metadata: [
                    "scope": "\(scope)", "expires_on": "\(entry.token.expiresOn.formatted(.iso8601))", "error": "\(error)",
                ])
            } else {
                logger.error("could not get a token", metadata: ["scope": "\(scope)", "error": "\(error)"])
            }
        }
        for waiter in refresh.waiters.values {
            waiter.resume(with: result)
        }
    }

    private func waitForRefresh(scope: String) async throws -> AccessToken {
        nextID += 1
        let waiterID = nextID
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<AccessToken, any Error>) in
                if Task.isCancelled || inFlight[scope] == nil {
                    continuation.resume(throwing: CancellationError())
                } else {
                    inFlight[scope]?.waiters[waiterID] = continuation
                }
            }
        } onCancel: {
            Task { await self.cancelWaiter(scope: scope, id: waiterID) }
        }
    }

    private func cancelWaiter(scope: String, id: UInt64) {
        inFlight[scope]?.waiters.removeValue(forKey: id)?.resume(throwing: CancellationError())
    }

    /// min(refreshOn, expiresOn − 5 min) − jitter.
    private func refreshTime(for token: AccessToken) -> Date {
        let latest = token.expiresOn.addingTimeInterval(-Self.refreshMargin)
        let planned = token.refreshOn.map { min($0, latest) } ?? latest
        return planned.addingTimeInterval(-max(0, jitter()))
    }
}
