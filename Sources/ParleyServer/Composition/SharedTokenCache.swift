import AsyncHTTPClient
import ParleyOutbound
import Foundation
import Logging
import ParleyIdentity
import Synchronization

/// The process's one token cache, made on first need: Azure OpenAI (OPENAI_API_TYPE=azure_ad) and
/// the PostgreSQL store (PARLEY_POSTGRES_AUTH=entra) share it, so one credential chain serves both
/// and a misconfigured chain fails once, at start. Offline with a password store, it is never made.
final class SharedTokenCache: Sendable {
    private let make: @Sendable () throws -> TokenCache
    private let made = Mutex<TokenCache?>(nil)

    init(settings: ParleySettings, httpClient: OutboundHTTPClient, logger: Logger, now: @escaping @Sendable () -> Date, metrics: ParleyMetrics?) {
        make = { try EntraAuthentication.makeCache(settings: settings, httpClient: httpClient, logger: logger, now: now, metrics: metrics) }
    }

    func cache() throws -> TokenCache {
        try made.withLock { made in
            if let made { return made }
            let cache = try make()
            made = cache
            return cache
        }
    }

    /// The cache if something made it.
    var existing: TokenCache? { made.withLock { $0 } }
}
