import Hummingbird

/// `GET /limits`: what the asker has left (questions this minute, tokens today), for the page.
/// Fields of a limit that is off are null.
struct LimitsController: Sendable {
    let limiter: UsageLimiter
    let proxies: TrustedProxies

    func register(on router: Router<ParleyRequestContext>) {
        router.get("/limits") { request, context in
            let key = LimitKey.of(request, context: context, proxies: proxies)
            return JSONResponse.make(try await limiter.status(key), headers: [.cacheControl: "no-store"])
        }
    }
}
