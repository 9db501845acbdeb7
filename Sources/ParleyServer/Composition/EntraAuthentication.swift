import AsyncHTTPClient
import ParleyOutbound
import Foundation
import Logging
import ParleyAzureOpenAI
import ParleyIdentity

/// Keyless access to Azure OpenAI: the default credential chain behind the process-wide token
/// cache, which refreshes tokens before they expire for as long as the process runs.
struct EntraAuthentication {

    let authenticator: any AzureOpenAIAuthenticator
    let readiness: @Sendable () async -> String?

    /// The process's one token cache over the default credential chain, shared by Azure OpenAI
    /// and (with PARLEY_POSTGRES_AUTH=entra) the PostgreSQL session store.
    static func makeCache(
        settings: ParleySettings, httpClient: OutboundHTTPClient, logger: Logger, now: @escaping @Sendable () -> Date, metrics: ParleyMetrics?
    ) throws -> TokenCache {
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

    /// Azure OpenAI's authentication over an existing cache, for `scope` (`ParleySettings.scopes`:
    /// the cloud of AZURE_AUTHORITY_HOST, or AZURE_OPENAI_SCOPE).
    static func make(cache: TokenCache, scope: String) -> EntraAuthentication {
        let authenticator = BearerTokenAuthenticator(
            token: { try await cache.token(for: scope).token },
            forget: { rejected in
                if let rejected {
                    await cache.invalidate(scope: scope, ifTokenIs: rejected)
                } else {
                    await cache.invalidate(scope: scope)
                }
            })
        return EntraAuthentication(
            authenticator: authenticator,
            readiness: {
                do {
                    _ = try await cache.token(for: scope)
                    return nil
                } catch {
                    return "no credential can produce a token for Azure OpenAI: \(error)"
                }
            })
    }
}
