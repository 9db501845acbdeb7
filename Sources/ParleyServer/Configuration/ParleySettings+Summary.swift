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
            ("session store", sessionStore == .postgres ? "postgres: \(postgres.map { "\($0), pool \($0.poolSize)" } ?? "-")" : "memory (this process only)"),
            ("metrics", metricsPort.map { "/metrics on port \($0) only" } ?? "/metrics on PORT"),
        ]
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
