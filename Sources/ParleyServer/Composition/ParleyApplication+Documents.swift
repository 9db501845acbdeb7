import Foundation
import Logging
import ParleyAzureOpenAI
import ParleyChat
import ParleyDocuments
import ParleyIdentity

extension ParleyApplication {
    /// The document index service for PARLEY_DOCS_DIR, or nil without it. The index is opened when
    /// the service runs (SQLite in `$PARLEY_DATA_DIR/documents.sqlite` or in memory). With
    /// PARLEY_EMBEDDING_DEPLOYMENT, passages are embedded by Azure OpenAI (the same endpoint,
    /// credential and token cache as chat; with PARLEY_BACKENDS_FILE its primary backend) and retrieval
    /// fuses keyword and semantic rankings.
    ///
    /// Wiring point for `PARLEY_DOCS_STORE=postgres`: the PostgreSQL index comes from the
    /// docs-pg-embed branch; until it is merged the setting is validated and the start refuses it.
    static func documentIndex(
        settings: ParleySettings, dependencies: Dependencies, tokenCache: @autoclosure () throws -> TokenCache
    ) throws -> DocumentIndexService? {
        guard let documents = settings.documents else { return nil }
        if documents.store == .postgres {
            throw SettingsError(SettingNames.docsStore, "postgres is not available in this build yet; use sqlite")
        }
        var embedder: DocumentLibrary.Embedder?
        if let deployment = documents.embeddingDeployment {
            let client = try embeddingsClient(
                settings: settings, deployment: deployment, dependencies: dependencies, tokenCache: tokenCache())
            embedder = { texts in try await client.embed(texts) }
        }
        let path = documents.sqlitePath
        let logger = dependencies.logger
        return DocumentIndexService(
            settings: documents,
            openIndex: {
                let index = try await SQLitePassageIndex.open(path: path, logger: logger)
                return (index, { try? await index.close() })
            },
            embedder: embedder, metrics: dependencies.metrics, logger: logger, now: dependencies.now)
    }

    /// The embeddings client at the chat endpoint (or the backends file's primary backend), with an API
    /// key or Entra tokens as chat uses them.
    static func embeddingsClient(
        settings: ParleySettings, deployment: String, dependencies: Dependencies, tokenCache: @autoclosure () throws -> TokenCache
    ) throws -> AzureOpenAIEmbeddingsClient {
        guard let endpoint = settings.endpoint else {
            throw SettingsError(SettingNames.embeddingDeployment, "needs an Azure OpenAI endpoint (OPENAI_API_BASE)")
        }
        var configuration = AzureOpenAIConfiguration(
            endpoint: endpoint, apiVersion: settings.apiVersion, maxRetries: settings.maxRetries,
            requestTimeout: settings.requestTimeout)
        configuration.metricsFactory = dependencies.metrics.metricsFactory
        let authenticator: any AzureOpenAIAuthenticator
        switch settings.authentication {
        case .apiKey:
            authenticator = APIKeyAuthenticator(key: settings.apiKey ?? "")
        case .entra:
            authenticator = entraAuthenticator(cache: try tokenCache(), scope: settings.scopes.openAI).authenticator
        }
        return AzureOpenAIEmbeddingsClient(
            configuration: configuration, deployment: deployment, httpClient: dependencies.httpClient,
            authenticator: authenticator, logger: dependencies.logger)
    }
}
