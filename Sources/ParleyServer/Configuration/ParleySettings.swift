import Foundation
import ParleyIdentity
import Logging
import ParleyOutbound
import ParleySessionStorePostgres

/// Parley's configuration, read once at start into typed values. Every bad value fails here with
/// a `SettingsError` naming the variable and the fix.
public struct ParleySettings: Sendable {
    public enum Mode: String, Sendable {
        case azure, offline
    }

    /// How Parley authenticates to Azure OpenAI (`OPENAI_API_TYPE`).
    public enum Authentication: String, Sendable {
        /// Microsoft Entra tokens from the credential chain (`azure_ad`).
        case entra = "azure_ad"
        /// An `api-key` header (`azure`).
        case apiKey = "azure"
    }

    public enum LogFormat: String, Sendable {
        case text, json
    }

    /// The Azure OpenAI endpoint without a trailing slash; nil means offline mode.
    public var endpoint: String?
    public var authentication: Authentication
    /// Only with `.apiKey`. A secret: never printed.
    public var apiKey: String?
    public var apiVersion: String
    public var defaultDeployment: String
    /// Offered in the page; the default deployment comes first.
    public var deployments: [String]
    public var temperature: Double?
    public var host: String
    public var port: Int
    public var logLevel: Logger.Level
    public var logFormat: LogFormat
    public var publicDirectory: String
    public var maxQuestionChars: Int
    public var maxBodyBytes: Int
    public var maxSessions: Int
    public var sessionTTL: Duration
    public var maxTurns: Int
    public var historyTokens: Int
    public var systemPrompt: String
    public var maxRetries: Int
    public var requestTimeout: Duration
    public var shutdownGrace: Duration
    /// How often a waiting event stream gets a `: ping` comment (15 s; keeps proxies from timing out).
    public var pingInterval: Duration
    /// The process environment with the identity library's variables (from the environment or
    /// `.env`) on top; `az`/`azd` are started with all of it.
    public var identityEnvironment: [String: String]
    /// Token scopes for Azure OpenAI and PostgreSQL: from the cloud of AZURE_AUTHORITY_HOST, or
    /// AZURE_OPENAI_SCOPE / PARLEY_POSTGRES_SCOPE.
    public var scopes: ServiceScopes
    /// Where sessions live (`PARLEY_SESSION_STORE`): this process's memory, or PostgreSQL shared by replicas.
    public var sessionStore: SessionStoreKind
    /// The PostgreSQL connection, with `sessionStore == .postgres` (and for `parley doctor`).
    public var postgres: PostgresConnectionSettings?
    /// `/metrics` on its own port instead of PORT (`PARLEY_METRICS_PORT`), so the LoadBalancer never exposes it.
    public var metricsPort: Int?
    /// HTTP/1.1 connections per upstream host (`PARLEY_UPSTREAM_CONNECTIONS`).
    public var upstreamConnections: Int
    /// Answers in flight per process before `/ask` sheds load with 503 `overloaded` (`PARLEY_MAX_ACTIVE_ANSWERS`).
    public var maxActiveAnswers: Int
    /// An idle keep-alive connection is closed after this (`PARLEY_IDLE_TIMEOUT`).
    public var idleTimeout: Duration
    /// A request body must arrive within this (`PARLEY_BODY_TIMEOUT`), else 408 `request_timeout`.
    public var bodyTimeout: Duration
    /// An answer is cut at this many characters with `finish_reason: "length"` (`PARLEY_MAX_ANSWER_CHARS`).
    public var maxAnswerChars: Int
    /// Questions per minute per user or client address; 0 is off (PARLEY_RATE_LIMIT).
    public var rateLimit: Int
    /// Prompt and completion tokens per user or client address per UTC day; 0 is off (PARLEY_DAILY_TOKEN_BUDGET).
    public var dailyTokenBudget: Int
    /// Proxies whose `X-Forwarded-For` is believed (PARLEY_TRUSTED_PROXIES).
    public var trustedProxies: TrustedProxies
    /// `HTTPS_PROXY`/`HTTP_PROXY`/`NO_PROXY` for every outbound call.
    public var proxy: ProxyConfiguration
    /// `PARLEY_BACKENDS_FILE`: several backends per deployment (issue 15); nil for the one endpoint of
    /// `OPENAI_API_BASE`. With a file, `endpoint`, `apiKey` and `authentication` describe its primary
    /// backend and `deployments` are the file's.
    public var backends: BackendsFile?
    /// Who may ask (issue 13): PARLEY_AUTH and its settings.
    public var signIn: SignInSettings
    /// PARLEY_DOCS_DIR and its companions (issue 14); nil without documents.
    public var documents: DocumentSettings?

    public enum SessionStoreKind: String, Sendable {
        case memory, postgres
    }

    public var mode: Mode { endpoint == nil ? .offline : .azure }

    public static let defaultSystemPrompt =
        "You are Parley, a helpful assistant for the people of this organisation. Answer clearly and concisely, and say so when you are not sure."
}

extension ParleySettings {
    /// The settings as a person reads them: secrets only as set/unset.
    public var summary: [(String, String)] {
        [
            ("mode", mode.rawValue),
            ("endpoint", endpoint ?? "(none: offline mode)"),
            ("authentication", mode == .offline ? "-" : (authentication == .entra ? "Microsoft Entra (azure_ad)" : "API key (azure)")),
            ("api key", apiKey == nil ? "not set" : "set (hidden)"),
            ("api version", apiVersion),
            ("default deployment", defaultDeployment),
            ("deployments", deployments.joined(separator: ", ")),
            ("temperature", temperature.map { "\($0)" } ?? "model default"),
            ("listen", "\(host):\(port)"),
            ("public directory", publicDirectory),
            ("log", "\(logFormat.rawValue), \(logLevel.rawValue)"),
            ("limits", "question \(maxQuestionChars) chars, body \(maxBodyBytes) bytes, history \(historyTokens) tokens"),
            ("sessions", "\(maxSessions) max, idle TTL \(sessionTTL.components.seconds) s, \(maxTurns) turns each"),
            ("upstream", "\(maxRetries) retries, \(requestTimeout.components.seconds) s timeout, \(upstreamConnections) connections per host"),
            ("proxy", proxySummary),
            ("load", "\(maxActiveAnswers) answers at once, answers up to \(maxAnswerChars) chars"),
            ("timeouts", "idle connection \(idleTimeout.components.seconds) s, request body \(bodyTimeout.components.seconds) s"),
            ("shutdown grace", "\(shutdownGrace.components.seconds) s"),
            ("usage limits", usageLimitsSummary),
            ("session store", sessionStore == .postgres ? "postgres: \(postgres.map { "\($0), pool \($0.poolSize)" } ?? "-")" : "memory (this process only)"),
            ("metrics", metricsPort.map { "/metrics on port \($0) only" } ?? "/metrics on PORT"),
            ("backends", backendsSummary),
            ("sign-in", signIn.summary),
            ("documents", documents?.summary ?? "none (PARLEY_DOCS_DIR unset)"),
        ]
    }

    /// The backends file and how many backends it lists (keys only as the names of their variables).
    private var usageLimitsSummary: String {
        let rate = rateLimit == 0 ? "no rate limit" : "\(rateLimit) questions/min"
        let budget = dailyTokenBudget == 0 ? "no daily token budget" : "\(dailyTokenBudget) tokens/day"
        let proxies = trustedProxies.isEmpty ? "no trusted proxies" : "trusted proxies \(trustedProxies)"
        return "\(rate), \(budget), \(proxies)"
    }

    private var backendsSummary: String {
        guard let backends else { return "one endpoint (no PARLEY_BACKENDS_FILE)" }
        let count = backends.deployments.values.reduce(0) { $0 + $1.count }
        return "\(backends.path): \(backends.deployments.count) deployment(s), \(count) backend(s)"
    }

    /// Proxy hosts and ports only: a proxy URL's credentials are never shown.
    private var proxySummary: String {
        guard proxy.https != nil || proxy.http != nil else { return "none" }
        var parts: [String] = []
        if let https = proxy.https { parts.append("https via \(https)") }
        if let http = proxy.http { parts.append("http via \(http)") }
        parts.append("loopback and NO_PROXY direct")
        return parts.joined(separator: ", ")
    }
}

/// A bad setting: one line that names the variable and the fix. Never carries a secret's value.
public struct SettingsError: Error, CustomStringConvertible, Equatable {
    public let variable: String
    public let problem: String

    public init(_ variable: String, _ problem: String) {
        self.variable = variable
        self.problem = problem
    }

    public var description: String { "\(variable): \(problem)" }

    /// Writes the one line `parley` stops with (exit code 2) to standard error.
    public func writeToStandardError() {
        FileHandle.standardError.write(Data("parley: configuration error: \(self)\n".utf8))
    }
}
