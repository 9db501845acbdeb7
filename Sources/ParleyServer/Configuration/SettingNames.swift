import ParleyOutbound

/// Every environment variable the server's configuration reads (the identity library lists its own
/// in `IdentityEnvironment.variableNames`). `parley config --variables` prints both lists, and the
/// deploy tests check the manifests against that output, so the two can never drift.
public enum SettingNames {
    public static let endpoint = ["OPENAI_API_BASE", "AZURE_OPENAI_ENDPOINT"]
    public static let apiType = "OPENAI_API_TYPE"
    public static let apiKey = ["OPENAI_API_KEY", "AZURE_OPENAI_API_KEY"]
    public static let apiVersion = ["OPENAI_API_VERSION", "AZURE_OPENAI_API_VERSION"]
    public static let deployment = ["DEPLOYMENT_NAME", "AZURE_OPENAI_DEPLOYMENT"]
    public static let deployments = "PARLEY_DEPLOYMENTS"
    public static let temperature = "TEMPERATURE"
    public static let port = "PORT"
    public static let host = "HOST"
    public static let logLevel = "LOG_LEVEL"
    public static let logFormat = "LOG_FORMAT"
    public static let publicDirectory = "PARLEY_PUBLIC_DIR"
    public static let maxQuestionChars = "PARLEY_MAX_QUESTION_CHARS"
    public static let maxBodyBytes = "PARLEY_MAX_BODY_BYTES"
    public static let maxSessions = "PARLEY_MAX_SESSIONS"
    public static let sessionTTL = "PARLEY_SESSION_TTL"
    public static let maxTurns = "PARLEY_MAX_TURNS"
    public static let historyTokens = "PARLEY_HISTORY_TOKENS"
    public static let systemPrompt = "PARLEY_SYSTEM_PROMPT"
    public static let maxRetries = "PARLEY_MAX_RETRIES"
    public static let requestTimeout = "PARLEY_REQUEST_TIMEOUT"
    public static let shutdownGrace = "PARLEY_SHUTDOWN_GRACE"
    public static let pingInterval = "PARLEY_SSE_PING_SECONDS"
    // Shared session store and metrics (issue 6). PG* are libpq's own names (PostgreSQL 15 docs, 2026).
    public static let sessionStore = "PARLEY_SESSION_STORE"
    public static let postgresURL = "PARLEY_POSTGRES_URL"
    public static let postgresHost = "PGHOST"
    public static let postgresPort = "PGPORT"
    public static let postgresDatabase = "PGDATABASE"
    public static let postgresUser = "PGUSER"
    public static let postgresPassword = "PGPASSWORD"
    public static let postgresTLSMode = "PGSSLMODE"
    public static let postgresAuth = "PARLEY_POSTGRES_AUTH"
    public static let postgresPool = "PARLEY_POSTGRES_POOL"
    public static let metricsPort = "PARLEY_METRICS_PORT"
    // Holding real traffic (issue 9).
    public static let upstreamConnections = "PARLEY_UPSTREAM_CONNECTIONS"
    public static let maxActiveAnswers = "PARLEY_MAX_ACTIVE_ANSWERS"
    public static let idleTimeout = "PARLEY_IDLE_TIMEOUT"
    public static let bodyTimeout = "PARLEY_BODY_TIMEOUT"
    public static let maxAnswerChars = "PARLEY_MAX_ANSWER_CHARS"
    // Several endpoints behind one Parley (issue 15).
    public static let backendsFile = "PARLEY_BACKENDS_FILE"
    // Limits (issue 13).
    public static let rateLimit = "PARLEY_RATE_LIMIT"
    public static let dailyTokenBudget = "PARLEY_DAILY_TOKEN_BUDGET"
    public static let trustedProxies = "PARLEY_TRUSTED_PROXIES"
    // Sign-in (issue 13).
    public static let auth = "PARLEY_AUTH"
    public static let authClientID = "PARLEY_AUTH_CLIENT_ID"
    public static let authClientSecret = "PARLEY_AUTH_CLIENT_SECRET"
    public static let authAllowedGroups = "PARLEY_AUTH_ALLOWED_GROUPS"
    public static let cookieKey = "PARLEY_COOKIE_KEY"
    public static let publicURL = "PARLEY_PUBLIC_URL"
    // Answers from the team's documents (issue 14).
    public static let docsDirectory = "PARLEY_DOCS_DIR"
    public static let contextTokens = "PARLEY_CONTEXT_TOKENS"
    public static let embeddingDeployment = "PARLEY_EMBEDDING_DEPLOYMENT"
    public static let dataDirectory = "PARLEY_DATA_DIR"
    public static let docsStore = "PARLEY_DOCS_STORE"
    public static let docsLanguage = "PARLEY_DOCS_LANGUAGE"
    public static let docsRefresh = "PARLEY_DOCS_REFRESH"
    /// curl's and Go's proxy variables, upper- and lower-case (read by `ProxyConfiguration`).
    public static let proxy = ProxyConfiguration.variableNames

    /// Values that are never printed, logged or echoed.
    /// The URL may carry a password, so it is treated as one.
    /// A proxy URL may carry a password too.
    public static let secrets = apiKey + ["AZURE_CLIENT_SECRET", "IDENTITY_HEADER", postgresPassword, postgresURL, authClientSecret, cookieKey] + proxy

    public static let all: [String] =
        endpoint + [apiType] + apiKey + apiVersion + deployment
        + [
            deployments, temperature, port, host, logLevel, logFormat, publicDirectory, maxQuestionChars,
            maxBodyBytes, maxSessions, sessionTTL, maxTurns, historyTokens, systemPrompt, maxRetries,
            requestTimeout, shutdownGrace, pingInterval,
            sessionStore, postgresURL, postgresHost, postgresPort, postgresDatabase, postgresUser, postgresPassword,
            postgresTLSMode, postgresAuth, postgresPool, metricsPort,
            upstreamConnections, maxActiveAnswers, idleTimeout, bodyTimeout, maxAnswerChars, backendsFile,
            rateLimit, dailyTokenBudget, trustedProxies,
            auth, authClientID, authClientSecret, authAllowedGroups, cookieKey, publicURL,
            docsDirectory, contextTokens, embeddingDeployment, dataDirectory, docsStore, docsLanguage, docsRefresh,
        ] + proxy
}
