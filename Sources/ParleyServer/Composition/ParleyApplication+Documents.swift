import Foundation
import Logging
import ParleyAzureOpenAI
import ParleyChat
import ParleyDocuments
import ParleyIdentity
import ParleySessionStorePostgres

extension ParleyApplication {
    /// The document index service for PARLEY_DOCS_DIR, or nil without it. The index is opened when
    /// the service runs (SQLite in `$PARLEY_DATA_DIR/documents.sqlite` or in memory). With
    /// PARLEY_EMBEDDING_DEPLOYMENT, passages are embedded by Azure OpenAI (the same endpoint,
    /// credential and token cache as chat; with PARLEY_BACKENDS_FILE its primary backend) and retrieval
    /// fuses keyword and semantic rankings.
    ///
    /// With PARLEY_DOCS_STORE=postgres the index is in the session store's database (same connection
    /// settings and password or Entra token), shared by every replica.
    static func documentIndex(
        settings: ParleySettings, dependencies: Dependencies, tokenCache: @autoclosure () throws -> TokenCache
    ) throws -> DocumentIndexService? {
        guard let documents = settings.documents else { return nil }
        var embedder: DocumentLibrary.Embedder?
        if let deployment = documents.embeddingDeployment {
            let client = try embeddingsClient(
                settings: settings, deployment: deployment, dependencies: dependencies, tokenCache: tokenCache())
            embedder = { texts in try await client.embed(texts) }
        }
        let logger = dependencies.logger
        let openIndex: @Sendable () async throws -> (index: any PassageIndex, close: @Sendable () async -> Void)
        switch documents.store {
        case .sqlite:
            let path = documents.sqlitePath
            openIndex = {
                let index = try await SQLitePassageIndex.open(path: path, logger: logger)
                return (index, { try? await index.close() })
            }
        case .postgres:
            guard let connection = settings.postgres else {
                throw SettingsError(SettingNames.docsStore, "postgres needs PARLEY_SESSION_STORE=postgres and its connection")
            }
            let index = PostgresPassageIndex(
                settings: connection,
                options: PostgresPassageIndexOptions(
                    textSearchConfiguration: documents.language, embeddingModel: documents.embeddingDeployment ?? ""),
                password: try postgresPassword(connection, tokenCache: tokenCache()), logger: logger)
            openIndex = {
                // Creates the tables and checks PARLEY_DOCS_LANGUAGE against the database.
                try await index.prepare()
                return (index, { await index.shutdown() })
            }
        }
        return DocumentIndexService(
            settings: documents, openIndex: openIndex, embedder: embedder, metrics: dependencies.metrics, logger: logger,
            now: dependencies.now)
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
