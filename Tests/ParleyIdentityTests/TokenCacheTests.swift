import AsyncHTTPClient
import Foundation
import Logging
import ParleyIdentity
import ParleyTestSupport
import Testing

/// The process-wide token cache, driven by a real credential against the fake Entra and a
/// manual clock.
@Suite struct TokenCacheTests {
    typealias Env = IdentityTestEnvironment
    static let secret = "fake-client-secret-value-1234"

    func cache(_ fake: FakeEntra, clock: ManualClock, logger: Logger = Logger(label: "test")) throws -> TokenCache {
        let credential = try EnvironmentCredential(
            environment: Env.make(fake: fake, ["AZURE_TENANT_ID": Env.tenantID, "AZURE_CLIENT_ID": Env.clientID,
                                               "AZURE_CLIENT_SECRET": Self.secret]),
            httpClient: .shared, logger: logger, options: Env.options(), now: clock.closure)
        return TokenCache(credential: credential, logger: logger, now: clock.closure, jitter: { 0 })
    }

    @Test func hundredConcurrentColdCallersShareOneRequest() async throws {
        let clock = ManualClock(Date())
        try await withFakeEntra { fake in
            fake.enqueue(.delayed(.milliseconds(300), .token()))
            let cache = try cache(fake, clock: clock)
            let tokens = try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<100 { group.addTask { try await cache.token(for: Env.scope).token } }
                return try await group.reduce(into: [String]()) { $0.append($1) }
            }
            #expect(tokens.count == 100)
            #expect(Set(tokens).count == 1)
            #expect(fake.requests.count == 1)
            #expect(await cache.credentialRequests == 1)
        }
    }

    @Test func cachedTokenIsReusedUntilTheRefreshWindow() async throws {
        let clock = ManualClock(Date())
        try await withFakeEntra { fake in
            let cache = try cache(fake, clock: clock)
            let first = try await cache.token(for: Env.scope)
            #expect(await cache.expiresOn(scope: Env.scope) == first.expiresOn)
            #expect(await cache.refreshAt(scope: Env.scope) == first.expiresOn.addingTimeInterval(-300))
            clock.advance(by: 3299)  // 301 s left: not yet due
            #expect(try await cache.token(for: Env.scope) == first)
            #expect(fake.requests.count == 1)
        }
    }

    @Test func earlyRefreshServesTheOldTokenMeanwhile() async throws {
        let clock = ManualClock(Date())
        try await withFakeEntra { fake in
            let cache = try cache(fake, clock: clock)
            let old = try await cache.token(for: Env.scope)
            clock.advance(by: 3301)  // 299 s left: refresh due, token still valid
            fake.enqueue(.delayed(.milliseconds(200), .token()))
            let during = try await cache.token(for: Env.scope)
            #expect(during == old)  // did not wait for the refresh
            try await eventually("the early refresh lands") { await cache.expiresOn(scope: Env.scope) != old.expiresOn }
            let new = try await cache.token(for: Env.scope)
            #expect(new != old)
            #expect(fake.isValid(token: new.token))
            #expect(fake.requests.count == 2)
        }
    }

    @Test func failedEarlyRefreshIsDroppedAndRetriedNoSoonerThanThirtySeconds() async throws {
        let clock = ManualClock(Date())
        let capture = LogCapture()
        try await withFakeEntra { fake in
            let cache = try cache(fake, clock: clock, logger: capture.logger())
            let old = try await cache.token(for: Env.scope)
            clock.advance(by: 3301)
            fake.enqueue(.error(FakeEntraFixtures.aadsts70021))
            #expect(try await cache.token(for: Env.scope) == old)
            try await eventually("the failure is logged") { !capture.lines(containing: "early token refresh failed").isEmpty }
            #expect(fake.requests.count == 2)

            clock.advance(by: 29)  // 29 s after the failed attempt: no new attempt
            #expect(try await cache.token(for: Env.scope) == old)
            #expect(fake.requests.count == 2)
            #expect(await cache.credentialRequests == 2)

            clock.advance(by: 1)  // 30 s: try again, and this time it works
            #expect(try await cache.token(for: Env.scope) == old)
            try await eventually("the second early refresh lands") { await cache.expiresOn(scope: Env.scope) != old.expiresOn }
            #expect(try await cache.token(for: Env.scope) != old)
            #expect(fake.requests.count == 3)
        }
    }

    @Test func afterExpiryAFailureReachesTheWaitersAndTheNextCallSucceeds() async throws {
        let clock = ManualClock(Date())
        try await withFakeEntra { fake in
            let cache = try cache(fake, clock: clock)
            _ = try await cache.token(for: Env.scope)
            clock.advance(by: 3600)
            fake.enqueue(.delayed(.milliseconds(200), .error(FakeEntraFixtures.aadsts700016)))
            let outcomes = await withTaskGroup(of: Bool.self) { group in
                for _ in 0..<5 {
                    group.addTask {
                        do {
                            _ = try await cache.token(for: Env.scope)
                            return true
                        } catch let error as AuthenticationFailedError {
                            return error.errorCodes == [700016] ? false : true
                        } catch {
                            return true
                        }
                    }
                }
                return await group.reduce(into: [Bool]()) { $0.append($1) }
            }
            #expect(outcomes == Array(repeating: false, count: 5))  // all five saw Entra's error
            #expect(fake.requests.count == 2)  // one shared request for the five
            let stale = await cache.expiresOn(scope: Env.scope)
            #expect(stale.map { clock.now() >= $0 } ?? true)  // nothing new was cached
            let fresh = try await cache.token(for: Env.scope)  // the failure was not remembered
            #expect(fake.isValid(token: fresh.token))
            #expect(fake.requests.count == 3)
        }
    }

    @Test func cancelledCallerLeavesTheSharedRefreshRunning() async throws {
        let clock = ManualClock(Date())
        try await withFakeEntra { fake in
            fake.enqueue(.delayed(.milliseconds(500), .token()))
            let cache = try cache(fake, clock: clock)
            let cancelled = Task { try await cache.token(for: Env.scope) }
            try await eventually("the request reaches the fake") { !fake.requests.isEmpty }
            let patient = Task { try await cache.token(for: Env.scope) }
            cancelled.cancel()
            let cancelledResult = await cancelled.result
            #expect(throws: CancellationError.self) { try cancelledResult.get() }
            let token = try await patient.value
            #expect(fake.isValid(token: token.token))
            #expect(fake.requests.count == 1)
            #expect(try await cache.token(for: Env.scope) == token)  // and it was cached
            #expect(fake.requests.count == 1)
        }
    }

    @Test func soleCancelledCallerStillLetsTheRefreshFinishAndBeCached() async throws {
        let clock = ManualClock(Date())
        try await withFakeEntra { fake in
            fake.enqueue(.delayed(.milliseconds(300), .token()))
            let cache = try cache(fake, clock: clock)
            let caller = Task { try await cache.token(for: Env.scope) }
            try await eventually("the request reaches the fake") { !fake.requests.isEmpty }
            caller.cancel()
            _ = await caller.result
            try await eventually("the refresh is cached") { await cache.expiresOn(scope: Env.scope) != nil }
            _ = try await cache.token(for: Env.scope)
            #expect(fake.requests.count == 1)
        }
    }

    @Test func invalidateFetchesANewTokenOnTheNextCall() async throws {
        let clock = ManualClock(Date())
        try await withFakeEntra { fake in
            let cache = try cache(fake, clock: clock)
            let first = try await cache.token(for: Env.scope)
            await cache.invalidate(scope: Env.scope)
            #expect(await cache.expiresOn(scope: Env.scope) == nil)
            let second = try await cache.token(for: Env.scope)
            #expect(first != second)
            #expect(fake.requests.count == 2)
        }
    }

    @Test func entraRefreshInDecidesWhenToRefresh() async throws {
        let clock = ManualClock(Date())
        try await withFakeEntra { fake in
            fake.enqueue(.token(lifetime: 86399, refreshIn: 600))
            let cache = try cache(fake, clock: clock)
            let first = try await cache.token(for: Env.scope)
            clock.advance(by: 599)
            _ = try await cache.token(for: Env.scope)
            #expect(fake.requests.count == 1)
            clock.advance(by: 1)
            #expect(try await cache.token(for: Env.scope) == first)
            try await eventually("refresh at refresh_in") { fake.requests.count == 2 }
        }
    }

    @Test func longLivedTokensWithoutHintRefreshAtHalfLife() async throws {
        let clock = ManualClock(Date())
        try await withFakeEntra { fake in
            fake.enqueue(.token(lifetime: 86399))
            let cache = try cache(fake, clock: clock)
            let first = try await cache.token(for: Env.scope)
            #expect(await cache.refreshAt(scope: Env.scope) == first.refreshOn)
            #expect(first.refreshOn == clock.now().addingTimeInterval(43199))
        }
    }

    @Test func jitterMovesTheRefreshEarlier() async throws {
        let clock = ManualClock(Date())
        try await withFakeEntra { fake in
            let credential = try EnvironmentCredential(
                environment: Env.make(fake: fake, ["AZURE_TENANT_ID": Env.tenantID, "AZURE_CLIENT_ID": Env.clientID,
                                                   "AZURE_CLIENT_SECRET": Self.secret]),
                httpClient: .shared, logger: Logger(label: "test"), options: Env.options(), now: clock.closure)
            let cache = TokenCache(credential: credential, logger: Logger(label: "test"), now: clock.closure, jitter: { 45 })
            let token = try await cache.token(for: Env.scope)
            #expect(await cache.refreshAt(scope: Env.scope) == token.expiresOn.addingTimeInterval(-345))
        }
    }

    @Test func noTokenOrSecretInLogs() async throws {
        let clock = ManualClock(Date())
        let capture = LogCapture()
        try await withFakeEntra { fake in
            let cache = try cache(fake, clock: clock, logger: capture.logger())
            let token = try await cache.token(for: Env.scope)
            clock.advance(by: 3301)
            fake.enqueue(.error(FakeEntraFixtures.aadsts70021))
            _ = try await cache.token(for: Env.scope)
            try await eventually("the failure is logged") { !capture.lines(containing: "early token refresh failed").isEmpty }
            #expect(capture.lines(containing: token.token).isEmpty)
            #expect(capture.lines(containing: Self.secret).isEmpty)
            #expect(capture.lines(containing: "eyJ").isEmpty)
        }
    }
}
