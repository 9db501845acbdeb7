import AsyncHTTPClient
import ParleyOutbound
import Foundation
import Hummingbird
import Logging
import ParleyAzureOpenAI
import ParleyChat
import NIOCore
import ParleyIdentity
import ParleySessionStorePostgres
import ServiceLifecycle

/// The composition root: picks the implementations (offline or Azure, API key or Entra, the session
/// store) from the settings and wires the HTTP layer. `parley serve` and the tests build the same
/// application through here.
public struct ParleyApplication {
    /// What the process shares with the application: one HTTP client and one token cache for all requests.
    public struct Dependencies: Sendable {
        public var httpClient: OutboundHTTPClient
        public var logger: Logger
        /// The clock of token lifetimes and session expiry; tests move it instead of sleeping.
        public var now: @Sendable () -> Date
        /// What `/metrics` shows; tests pass their own to read it (nothing is bootstrapped globally).
        public var metrics: ParleyMetrics
        /// With PARLEY_BACKENDS_FILE: the weighted choice's random numbers (`0..<n`) and when a 429 or
        /// failures take a backend out; tests seed the one and shorten the other.
        public var backendRandom: @Sendable (Int) -> Int
        public var backendPolicy: BackendFailurePolicy

        public init(
            httpClient: OutboundHTTPClient, logger: Logger, now: @escaping @Sendable () -> Date = { Date() },
            metrics: ParleyMetrics = ParleyMetrics(),
            backendRandom: @escaping @Sendable (Int) -> Int = { Int.random(in: 0..<$0) },
            backendPolicy: BackendFailurePolicy = BackendFailurePolicy()
        ) {
            self.httpClient = httpClient
            self.logger = logger
            self.now = now
            self.metrics = metrics
            self.backendRandom = backendRandom
            self.backendPolicy = backendPolicy
        }
    }

    public static func build(settings: ParleySettings, dependencies: Dependencies) throws -> some ApplicationProtocol {
        let logger = dependencies.logger
        let metrics = dependencies.metrics
        let tokens = SharedTokenCache(
            settings: settings, httpClient: dependencies.httpClient, logger: logger, now: dependencies.now, metrics: metrics)
        let sessions = try sessionStore(settings: settings, tokenCache: try tokens.cache(), logger: logger, now: dependencies.now)
        let store = InstrumentedSessionStore(base: sessions.store, metrics: metrics)
        let backend = try chatModel(
            settings: settings, dependencies: dependencies, tokenCache: try tokens.cache())
        let documents = try documentIndex(settings: settings, dependencies: dependencies, tokenCache: try tokens.cache())
        let chat = ChatService(
            store: store,
            model: InstrumentedChatModel(base: backend.model, metrics: metrics),
            prompt: PromptBuilder(systemPrompt: settings.systemPrompt, historyTokenBudget: settings.historyTokens),
            logger: logger, maxAnswerChars: settings.maxAnswerChars,
            grounding: documents.map { DocumentGrounding(retriever: $0, tokenBudget: settings.documents?.contextTokens ?? 0) })
        var readiness = [
            Readiness.Part(
                name: "model", check: backend.readiness,
                publicReason: "The service cannot get a token for Azure OpenAI: an operator should run 'parley doctor'.")
        ]
        if let storeReadiness = sessions.readiness {
            readiness.append(Readiness.Part(
                name: "store", check: storeReadiness,
                publicReason: "The session store is unavailable: an operator should run 'parley doctor'."))
        }
        if let documents {
            readiness.append(Readiness.Part(
                name: "documents", check: { documents.readiness() },
                publicReason: "Parley is still indexing its documents; try again in a few seconds."))
        }
        var collectors = metricsCollectors(store: store, tokens: tokens, metrics: metrics, scopes: settings.scopes, now: dependencies.now)
        if let pool = backend.pool {
            collectors.append { metrics.backendStates(pool.states()) }
        }
        let admission = AnswerAdmission(limit: settings.maxActiveAnswers)
        let limiter = UsageLimiter(
            counters: sessions.counters, questionsPerMinute: settings.rateLimit, dailyTokenBudget: settings.dailyTokenBudget,
            now: dependencies.now, onRefusal: { metrics.refused(reason: $0) })
        let router = ParleyRouter.build(
            settings: settings, chat: chat, store: store, readiness: Readiness(parts: readiness), admission: admission,
            limiter: limiter,
            metrics: MetricsController(metrics: metrics, collectors: collectors), metricsOnThisPort: settings.metricsPort == nil,
            signIn: signInGate(settings: settings, dependencies: dependencies, store: sessions.store),
            documents: documents, logger: logger)
        var services = sessions.services
        if let documents { services.append(documents) }
        if let metricsPort = settings.metricsPort {
            let metricsRouter = Router()
            MetricsController(metrics: metrics, collectors: collectors).register(on: metricsRouter)
            services.append(
                Application(
                    router: metricsRouter,
                    configuration: ApplicationConfiguration(address: .hostname(settings.host, port: metricsPort), serverName: nil),
                    logger: logger))
        }
        return Application(
            router: router,
            // The idle timeout closes keep-alive connections nobody uses and bodies that stall; a
            // response in progress (a long stream) is never idle (Hummingbird 2.28 HTTPConnectionStateHandler).
            server: .http1(configuration: .init(
                additionalChannelHandlers: [ClientDepartureHandler()], idleTimeout: .seconds(settings.idleTimeout.components.seconds))),
            configuration: ApplicationConfiguration(address: .hostname(settings.host, port: settings.port), serverName: nil),
            services: services,
            logger: logger)
    }

    /// The model Parley talks to (offline, or Azure OpenAI with an API key or Entra tokens, at one
    /// endpoint or several from PARLEY_BACKENDS_FILE), and how to tell whether it can be reached
    /// (`readiness`: nil when ready, else the reason). `pool` is there with a backends file.
    /// - Parameters:
    ///   - tokenCache: the process's token cache, made only when Entra is used.
    static func chatModel(
        settings: ParleySettings, dependencies: Dependencies, tokenCache: @autoclosure () throws -> TokenCache
    ) throws -> (model: any ChatModel, readiness: @Sendable () async -> String?, pool: BackendPool?) {
        guard let endpoint = settings.endpoint else { return (OfflineResponder(), { nil }, nil) }
        if let backends = settings.backends {
            return try pooledChatModel(settings: settings, backends: backends, dependencies: dependencies, tokenCache: tokenCache())
        }
        let logger = dependencies.logger
        var configuration = AzureOpenAIConfiguration(
            endpoint: endpoint, apiVersion: settings.apiVersion, maxRetries: settings.maxRetries,
            requestTimeout: settings.requestTimeout)
        configuration.metricsFactory = dependencies.metrics.metricsFactory
        let authenticator: any AzureOpenAIAuthenticator
        let readiness: @Sendable () async -> String?
        switch settings.authentication {
        case .apiKey:
            authenticator = APIKeyAuthenticator(key: settings.apiKey ?? "")
            readiness = { nil }
        case .entra:
            let entra = entraAuthenticator(cache: try tokenCache(), scope: settings.scopes.openAI)
            authenticator = entra.authenticator
            readiness = entra.readiness
        }
        let client = AzureOpenAIClient(
            configuration: configuration, httpClient: dependencies.httpClient, authenticator: authenticator, logger: logger)
        return (AzureChatModel(client: client, temperature: settings.temperature), readiness, nil)
    }

    /// Keyless: the default credential chain behind the process-wide token cache, which refreshes
    /// tokens before they expire for as long as the process runs. The scope is the cloud of
    /// AZURE_AUTHORITY_HOST, or AZURE_OPENAI_SCOPE (`ParleySettings.scopes`). One authenticator
    /// serves every Entra backend: the audience is the same for every Azure OpenAI resource.
    static func entraAuthenticator(
        cache: TokenCache, scope: String
    ) -> (authenticator: BearerTokenAuthenticator, readiness: @Sendable () async -> String?) {
        let authenticator = BearerTokenAuthenticator(
            token: { try await cache.token(for: scope).token },
            forget: { rejected in
                if let rejected {
                    await cache.invalidate(scope: scope, ifTokenIs: rejected)
                } else {
                    await cache.invalidate(scope: scope)
                }
            })
        let readiness: @Sendable () async -> String? = {
            do {
                _ = try await cache.token(for: scope)
                return nil
            } catch {
                return "no credential can produce a token for Azure OpenAI: \(error)"
            }
        }
        return (authenticator, readiness)
    }

    /// The session store: this process's memory (one replica), or PostgreSQL shared by every replica,
    /// with a password or with Microsoft Entra tokens from the process's token cache (the same cache,
    /// and so the same credential chain, as Azure OpenAI's). `services` run alongside the HTTP server
    /// (PostgreSQL: migration at start, the expiry sweep, closing); `readiness` is for /readyz (nil
    /// for the in-memory store, always ready).
    static func sessionStore(
        settings: ParleySettings, tokenCache: @autoclosure () throws -> TokenCache, logger: Logger, now: @escaping @Sendable () -> Date
    ) throws -> (
        store: any SessionStore, counters: any UsageCounterStore, services: [any Service], readiness: (@Sendable () async -> String?)?
    ) {
        let limits = SessionLimits(maxSessions: settings.maxSessions, idleTTL: settings.sessionTTL, maxTurns: settings.maxTurns)
        guard settings.sessionStore == .postgres, let connection = settings.postgres else {
            return (InMemorySessionStore(limits: limits, now: now), InMemoryUsageCounters(), [], nil)
        }
        let password = try postgresPassword(connection, tokenCache: tokenCache())
        // A question's lease outlives any answer: the whole-request timeout plus 30 s for the
        // stream's last bytes and the final write.
        let options = PostgresSessionStoreOptions(limits: limits, leaseDuration: settings.requestTimeout + .seconds(30), now: now)
        let store = PostgresSessionStore(settings: connection, options: options, password: password, logger: logger)
        return (store, store, [store], { await store.readiness() })
    }

    /// The password for new PostgreSQL connections (sessions and the document index): fixed, or a
    /// token for Azure Database for PostgreSQL from the process's token cache.
    static func postgresPassword(
        _ connection: PostgresConnectionSettings, tokenCache: @autoclosure () throws -> TokenCache
    ) throws -> @Sendable () async throws -> String? {
        switch connection.authentication {
        case .password:
            let fixed = connection.password
            return { fixed }
        case .entra:
            let cache = try tokenCache()
            let scope = connection.entraScope
            return { try await cache.token(for: scope).token }
        }
    }

    /// Values read when /metrics is rendered: live sessions, and seconds until each cached token expires.
    private static func metricsCollectors(
        store: InstrumentedSessionStore, tokens: SharedTokenCache, metrics: ParleyMetrics, scopes: ServiceScopes,
        now: @escaping @Sendable () -> Date
    ) -> [@Sendable () async -> Void] {
        [
            { await store.collect() },
            {
                guard let cache = tokens.existing else { return }
                for scope in [scopes.openAI, scopes.postgres] {
                    if let expiresOn = await cache.expiresOn(scope: scope) {
                        metrics.tokenExpiry(scope: scope, secondsLeft: expiresOn.timeIntervalSince(now()))
                    }
                }
            },
        ]
    }
}
