import Foundation
import Logging
import ParleyIdentity
import ParleyOutbound
import Synchronization

/// The process's one token cache over the default credential chain, made on first need: Azure OpenAI
/// (OPENAI_API_TYPE=azure_ad) and the PostgreSQL store (PARLEY_POSTGRES_AUTH=entra) share it, so one
/// credential chain serves both and a misconfigured chain fails once, at start. Offline with a
/// password store, it is never made.
final class SharedTokenCache: Sendable {
    private let make: @Sendable () throws -> TokenCache
    private let made = Mutex<TokenCache?>(nil)

    init(settings: ParleySettings, httpClient: OutboundHTTPClient, logger: Logger, now: @escaping @Sendable () -> Date, metrics: ParleyMetrics?) {
        make = {
            let credential: DefaultAzureCredential
            do {
                credential = try DefaultAzureCredential(
                    environment: settings.identityEnvironment, httpClient: httpClient, logger: logger, now: now)
            } catch let error as IdentityConfigurationError {
                throw SettingsError(error.variable, error.message)
            }
            guard let metrics else { return TokenCache(credential: credential, logger: logger, now: now) }
            return TokenCache(credential: InstrumentedCredential(base: credential, metrics: metrics), logger: logger, now: now)
        }
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
