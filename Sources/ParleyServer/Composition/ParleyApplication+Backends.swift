import Foundation
import ParleyAzureOpenAI
import ParleyChat
import ParleyIdentity

extension ParleyApplication {
    /// PARLEY_BACKENDS_FILE (issue 15): one client per backend, all sharing the process's HTTP client
    /// and, for Entra backends, one authenticator over the one token cache (one token for all). With
    /// several backends behind a deployment its clients do not retry: the pool moves on instead.
    /// Ready while some backend of the default deployment can take a request (its breaker and
    /// cooldown, and for Entra backends the token); no chat request is sent.
    static func pooledChatModel(
        settings: ParleySettings, backends: BackendsFile, dependencies: Dependencies, tokenCache: @autoclosure () throws -> TokenCache
    ) throws -> (model: any ChatModel, readiness: @Sendable () async -> String?, pool: BackendPool?) {
        let usesEntra = backends.deployments.values.contains { $0.contains { $0.apiKey == nil } }
        let entra = usesEntra ? entraAuthenticator(cache: try tokenCache(), scope: settings.scopes.openAI) : nil
        var pooled: [String: [AzureBackend]] = [:]
        for (name, list) in backends.deployments {
            pooled[name] = list.map { backend in
                var configuration = AzureOpenAIConfiguration(
                    endpoint: backend.endpoint, apiVersion: settings.apiVersion, maxRetries: list.count > 1 ? 0 : settings.maxRetries,
                    requestTimeout: settings.requestTimeout)
                configuration.metricsFactory = dependencies.metrics.metricsFactory
                let authenticator: any AzureOpenAIAuthenticator = backend.apiKey.map { APIKeyAuthenticator(key: $0) } ?? entra!.authenticator
                let client = AzureOpenAIClient(
                    configuration: configuration, httpClient: dependencies.httpClient, authenticator: authenticator,
                    logger: dependencies.logger)
                return AzureBackend(client: client, deployment: backend.deployment, priority: backend.priority, weight: backend.weight)
            }
        }
        let pool = BackendPool(
            backends: pooled, policy: dependencies.backendPolicy, requestTimeout: settings.requestTimeout, logger: dependencies.logger,
            metricsFactory: dependencies.metrics.metricsFactory, now: dependencies.now, random: dependencies.backendRandom)
        let deployment = settings.defaultDeployment
        let tokenReadiness = entra?.readiness
        let readiness: @Sendable () async -> String? = {
            if pool.isUsable(deployment: deployment, where: { $0.usesAPIKey }) { return nil }
            guard pool.isUsable(deployment: deployment, where: { !$0.usesAPIKey }) else {
                return "every backend of deployment '\(deployment)' is rate limited or failing"
            }
            return await tokenReadiness?() ?? nil
        }
        return (AzureChatModel(pool: pool, temperature: settings.temperature), readiness, pool)
    }
}
