import AsyncHTTPClient
import ParleyOutbound
import Foundation
import Logging
import ParleyAzureOpenAI
import ParleyChat
import ParleyIdentity

/// The model Parley talks to, and how to tell whether it can be reached.
struct ModelBackend: Sendable {
    let model: any ChatModel
    /// nil when ready, else the reason.
    let readiness: @Sendable () async -> String?

    /// - Parameters:
    ///   - tokenCache: the process's token cache, made only when Entra is used.
    ///   - metrics: counts retries and 429s inside the Azure OpenAI client.
    static func make(
        settings: ParleySettings, httpClient: OutboundHTTPClient, logger: Logger,
        tokenCache: @autoclosure () throws -> TokenCache, metrics: ParleyMetrics?
    ) throws -> ModelBackend {
        guard let endpoint = settings.endpoint else {
            return ModelBackend(model: OfflineResponder(), readiness: { nil })
        }
        var configuration = AzureOpenAIConfiguration(
            endpoint: endpoint, apiVersion: settings.apiVersion, maxRetries: settings.maxRetries,
            requestTimeout: settings.requestTimeout)
        configuration.metricsFactory = metrics?.metricsFactory
        let authenticator: any AzureOpenAIAuthenticator
        let readiness: @Sendable () async -> String?
        switch settings.authentication {
        case .apiKey:
            authenticator = APIKeyAuthenticator(key: settings.apiKey ?? "")
            readiness = { nil }
        case .entra:
            let entra = EntraAuthentication.make(cache: try tokenCache(), scope: settings.scopes.openAI)
            authenticator = entra.authenticator
            readiness = entra.readiness
        }
        let client = AzureOpenAIClient(
            configuration: configuration, httpClient: httpClient, authenticator: authenticator,
            logger: logger)
        return ModelBackend(model: AzureChatModel(client: client, temperature: settings.temperature), readiness: readiness)
    }
}
