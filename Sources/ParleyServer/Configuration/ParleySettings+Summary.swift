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
            ("upstream", "\(maxRetries) retries, \(requestTimeout.components.seconds) s timeout"),
            ("shutdown grace", "\(shutdownGrace.components.seconds) s"),
            ("session store", sessionStore == .postgres ? "postgres: \(postgres.map { "\($0), pool \($0.poolSize)" } ?? "-")" : "memory (this process only)"),
            ("metrics", metricsPort.map { "/metrics on port \($0) only" } ?? "/metrics on PORT"),
        ]
    }
}
