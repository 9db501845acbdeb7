import Foundation
import Logging
import ParleyIdentity
import ParleyTestSupport
import Testing

/// `invalidate(scope:ifTokenIs:)`: a 401 forgets the token it was given only if the cache still holds
/// it, so a token another request refreshed meanwhile is kept.
@Suite struct TokenCacheInvalidateTests {
    typealias Env = IdentityTestEnvironment
    static let secret = "fake-client-secret-value-5678"

    func cache(_ fake: FakeEntra, clock: ManualClock) throws -> TokenCache {
        let logger = Logger(label: "test")
        let credential = try EnvironmentCredential(
            environment: Env.make(fake: fake, ["AZURE_TENANT_ID": Env.tenantID, "AZURE_CLIENT_ID": Env.clientID,
                                               "AZURE_CLIENT_SECRET": Self.secret]),
            httpClient: .shared, logger: logger, options: Env.options(), now: clock.closure)
        return TokenCache(credential: credential, logger: logger, now: clock.closure, jitter: { 0 })
    }

    @Test func theRejectedTokenIsForgotten() async throws {
        let clock = ManualClock(Date())
        try await withFakeEntra { fake in
            let cache = try cache(fake, clock: clock)
            let rejected = try await cache.token(for: Env.scope)
            #expect(await cache.invalidate(scope: Env.scope, ifTokenIs: rejected.token))
            #expect(await cache.expiresOn(scope: Env.scope) == nil)
            let fresh = try await cache.token(for: Env.scope)
            #expect(fresh.token != rejected.token)
            #expect(fake.requests.count == 2)
        }
    }

    @Test func aTokenRefreshedByAnotherRequestMeanwhileIsKept() async throws {
        let clock = ManualClock(Date())
        try await withFakeEntra { fake in
            let cache = try cache(fake, clock: clock)
            // Two requests were sent with the same token and both got 401.
            let rejected = try await cache.token(for: Env.scope)
            // The first 401 forgets it and its retry fetches a fresh token …
            #expect(await cache.invalidate(scope: Env.scope, ifTokenIs: rejected.token))
            let fresh = try await cache.token(for: Env.scope)
            // … the second 401 arrives late, naming the old token: the fresh one stays.
            #expect(await cache.invalidate(scope: Env.scope, ifTokenIs: rejected.token) == false)
            #expect(try await cache.token(for: Env.scope) == fresh)
            #expect(fake.requests.count == 2, "one refresh for two 401s")
        }
    }

    @Test func nothingCachedIsNothingToForget() async throws {
        let clock = ManualClock(Date())
        try await withFakeEntra { fake in
            let cache = try cache(fake, clock: clock)
            #expect(await cache.invalidate(scope: Env.scope, ifTokenIs: "never-issued") == false)
            _ = try await cache.token(for: Env.scope)
            #expect(fake.requests.count == 1)
        }
    }
}
