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

        public init(
            httpClient: OutboundHTTPClient, logger: Logger, now: @escaping @Sendable () -> Date = { Date() },
            metrics: ParleyMetrics = ParleyMetrics()
        ) {
            self.httpClient = httpClient
            self.logger = logger
            self.now = now
            self.metrics = metrics
        }
    }

    public static func build(settings: ParleySettings, dependencies: Dependencies) throws -> some ApplicationProtocol {
        let logger = dependencies.logger
        let metrics = dependencies.metrics
        let tokens = SharedTokenCache(
            settings: settings, httpClient: dependencies.httpClient, logger: logger, now: dependencies.now, metrics: metrics)
        let sessions = try SessionStoreFactory.make(settings: settings, tokenCache: try tokens.cache(), logger: logger, now: dependencies.now)
        let store = InstrumentedSessionStore(base: sessions.store, metrics: metrics)
        let backend = try ModelBackend.make(
            settings: settings, httpClient: dependencies.httpClient, logger: logger,
            tokenCache: try tokens.cache(), metrics: metrics)
        let chat = ChatService(
            store: store,
            model: InstrumentedChatModel(base: backend.model, metrics: metrics),
            prompt: PromptBuilder(systemPrompt: settings.systemPrompt, historyTokenBudget: settings.historyTokens),
            logger: logger, maxAnswerChars: settings.maxAnswerChars)
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
        let collectors = metricsCollectors(store: store, tokens: tokens, metrics: metrics, scopes: settings.scopes, now: dependencies.now)
        let admission = AnswerAdmission(limit: settings.maxActiveAnswers)
        let router = ParleyRouter.build(
            settings: settings, chat: chat, store: store, readiness: Readiness(parts: readiness), admission: admission,
            metrics: MetricsController(metrics: metrics, collectors: collectors), metricsOnThisPort: settings.metricsPort == nil,
            logger: logger)
        var services = sessions.services
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
