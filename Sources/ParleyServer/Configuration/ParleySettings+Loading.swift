import Configuration
import Foundation
import Logging
import ParleyIdentity
import ParleyOutbound
import SystemPackage

extension ParleySettings {
    /// Every environment variable name Parley reads (`parley config --variables`): its own and the
    /// identity library's.
    public static var variableNames: [String] { SettingNames.all + IdentityEnvironment.variableNames }

    /// Reads the process environment, then `.env` in the working directory (the environment wins).
    public static func load(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        dotEnvPath: String? = ".env",
        identityVariables: [String] = IdentityEnvironment.variableNames
    ) async throws -> ParleySettings {
        let secrets = SecretsSpecifier<String, String>.specific(Set(SettingNames.secrets))
        var providers: [any ConfigProvider] = [
            EnvironmentVariablesProvider(environmentVariables: environment, secretsSpecifier: secrets)
        ]
        if let dotEnvPath {
            let file = try await EnvironmentVariablesProvider(
                environmentFilePath: FilePath(dotEnvPath), allowMissing: true, secretsSpecifier: secrets)
            providers.append(DotEnvCompatibilityProvider(upstream: file))
        }
        let values = SettingValues(reader: ConfigReader(providers: providers))
        return try ParleySettings(values: values, processEnvironment: environment, identityVariables: identityVariables)
    }

    init(values: SettingValues, processEnvironment: [String: String], identityVariables: [String]) throws {
        typealias N = SettingNames
        backends = try values.backendsFile(N.backendsFile)
        if let backends {
            // The file lists every endpoint; the one-endpoint fields show its primary backend.
            endpoint = backends.primary.endpoint
            apiKey = backends.primary.apiKey
            authentication = apiKey == nil ? .entra : .apiKey
        } else {
            endpoint = try values.endpoint(N.endpoint)
            apiKey = try values.pair(N.apiKey, secret: true)
            authentication = try values.authentication(N.apiType, hasKey: apiKey != nil)
            if authentication == .entra { apiKey = nil }
        }
        apiVersion = try values.pair(N.apiVersion) ?? "2024-10-21"
        try values.checkAPIVersion(apiVersion, names: N.apiVersion)
        if let backends {
            defaultDeployment = backends.defaultDeployment
            deployments = backends.deploymentNames
        } else {
            let deployment = try values.pair(N.deployment)
            if endpoint != nil, deployment == nil {
                throw SettingsError(
                    N.deployment[0], "required with an endpoint; set it to your Azure OpenAI deployment's name (e.g. gpt-35-turbo)")
            }
            defaultDeployment = deployment ?? "offline"
            deployments = try values.deploymentList(N.deployments, default: defaultDeployment, offline: endpoint == nil)
        }
        temperature = try values.double(N.temperature, in: 0...2)
        host = values.string(N.host) ?? "0.0.0.0"
        port = try values.int(N.port, default: 8087, in: 0...65535)
        logLevel = try values.logLevel(N.logLevel)
        logFormat = try values.choice(N.logFormat, default: .text)
        publicDirectory = values.string(N.publicDirectory) ?? "Public"
        maxQuestionChars = try values.int(N.maxQuestionChars, default: 8000, in: 1...1_000_000)
        maxBodyBytes = try values.int(N.maxBodyBytes, default: 65536, in: 1024...64 * 1024 * 1024)
        maxSessions = try values.int(N.maxSessions, default: 10_000, in: 1...10_000_000)
        sessionTTL = .seconds(try values.int(N.sessionTTL, default: 3600, in: 1...31_536_000))
        maxTurns = try values.int(N.maxTurns, default: 200, in: 1...100_000)
        historyTokens = try values.int(N.historyTokens, default: 3000, in: 0...10_000_000)
        systemPrompt = values.string(N.systemPrompt) ?? Self.defaultSystemPrompt
        maxRetries = try values.int(N.maxRetries, default: 2, in: 0...10)
        requestTimeout = .seconds(try values.int(N.requestTimeout, default: 300, in: 1...3600))
        shutdownGrace = .seconds(try values.int(N.shutdownGrace, default: 25, in: 0...3600))
        pingInterval = .seconds(try values.int(N.pingInterval, default: 15, in: 1...3600))
        var identity: [String: String] = [:]
        for name in identityVariables {
            if let value = values.string(name, secret: N.secrets.contains(name)) { identity[name] = value }
        }
        // The whole process environment, with the identity values (which may come from .env) on
        // top: az and azd are started with it, as azure-identity passes os.environ, because they
        // need AZURE_CONFIG_DIR / AZD_CONFIG_DIR, HOME, proxy and CA variables (issue 10). The
        // identity library itself reads only IdentityEnvironment.variableNames from it.
        identityEnvironment = processEnvironment.merging(identity) { $1 }
        do {
            scopes = try ServiceScopes(environment: identityEnvironment)
        } catch let error as IdentityConfigurationError {
            throw SettingsError(error.variable, error.message)
        }
        sessionStore = try values.choice(N.sessionStore, default: .memory)
        postgres = try values.postgres(required: sessionStore == .postgres)
        postgres?.entraScope = scopes.postgres
        metricsPort = try values.optionalInt(N.metricsPort, in: 1...65535)
        upstreamConnections = try values.int(N.upstreamConnections, default: 512, in: 1...65536)
        maxActiveAnswers = try values.int(N.maxActiveAnswers, default: 1000, in: 1...1_000_000)
        // 75 s: longer than an ingress's usual 60 s upstream keep-alive, so the proxy closes first
        // (ingress-nginx upstream-keepalive-timeout 60 s; Azure Application Gateway 60 s, 2026).
        idleTimeout = .seconds(try values.int(N.idleTimeout, default: 75, in: 1...86400))
        bodyTimeout = .seconds(try values.int(N.bodyTimeout, default: 10, in: 1...3600))
        maxAnswerChars = try values.int(N.maxAnswerChars, default: 100_000, in: 1...100_000_000)
        rateLimit = try values.int(N.rateLimit, default: 0, in: 0...1_000_000)
        dailyTokenBudget = try values.int(N.dailyTokenBudget, default: 0, in: 0...1_000_000_000_000)
        do {
            trustedProxies = try TrustedProxies(parsing: values.string(N.trustedProxies) ?? "")
        } catch let problem as TrustedProxies.Problem {
            throw SettingsError(N.trustedProxies, problem.reason)
        }
        var proxyVariables: [String: String] = [:]
        for name in N.proxy {
            if let value = values.string(name, secret: true) { proxyVariables[name] = value }
        }
        do {
            proxy = try ProxyConfiguration(environment: proxyVariables)
        } catch {
            throw SettingsError(error.variable, error.reason)
        }
        signIn = try values.signIn(identity: identityEnvironment)
        documents = try values.documents(sessionStore: sessionStore, offline: endpoint == nil)
        if let metricsPort, metricsPort == port {
            throw SettingsError(N.metricsPort, "'\(metricsPort)' is PORT too; use another port, or unset it to serve /metrics on PORT only")
        }
    }
}
