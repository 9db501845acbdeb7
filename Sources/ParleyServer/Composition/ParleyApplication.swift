import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import ParleyAzureOpenAI
import ParleyChat

/// The composition root: picks the implementations (offline or Azure, API key or Entra, the session
/// store) from the settings and wires the HTTP layer. `parley serve` and the tests build the same
/// application through here.
public struct ParleyApplication {
    /// What the process shares with the application: one HTTP client and one token cache for all requests.
    public struct Dependencies: Sendable {
        public var httpClient: HTTPClient
        public var logger: Logger
        /// The clock of token lifetimes and session expiry; tests move it instead of sleeping.
        public var now: @Sendable () -> Date

        public init(httpClient: HTTPClient, logger: Logger, now: @escaping @Sendable () -> Date = { Date() }) {
            self.httpClient = httpClient
            self.logger = logger
            self.now = now
        }
    }

    public static func build(settings: ParleySettings, dependencies: Dependencies) throws -> some ApplicationProtocol {
        let logger = dependencies.logger
        let store = InMemorySessionStore(
            limits: SessionLimits(maxSessions: settings.maxSessions, idleTTL: settings.sessionTTL, maxTurns: settings.maxTurns),
            now: dependencies.now)
        let backend = try ModelBackend.make(
            settings: settings, httpClient: dependencies.httpClient, logger: logger, now: dependencies.now)
        let chat = ChatService(
            store: store,
            model: backend.model,
            prompt: PromptBuilder(systemPrompt: settings.systemPrompt, historyTokenBudget: settings.historyTokens),
            logger: logger)
        let router = ParleyRouter.build(
            settings: settings, chat: chat, store: store, readiness: CombinedReadiness(parts: [("model", backend.readiness)]),
            logger: logger)
        return Application(
            router: router,
            configuration: ApplicationConfiguration(address: .hostname(settings.host, port: settings.port), serverName: nil),
            logger: logger)
    }
}
