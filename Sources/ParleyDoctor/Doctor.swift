import AsyncHTTPClient
import ParleyOutbound
import Foundation
import Logging
import ParleyAzureOpenAI
import ParleyIdentity
import ParleyServer

/// `parley doctor` as a library: checks, in order, the configuration, the identity chain, the
/// projected service-account token, the access token, and one tiny chat request, and explains
/// whatever does not work. Prints nothing; the caller renders the `DoctorReport`.
///
/// Uses the same settings, credential chain and Azure OpenAI client as `parley serve`, so what the
/// doctor sees is what the server would see. Never puts a token, assertion, key or secret in the
/// report or a log line.
public struct Doctor: Sendable {
    public struct Options: Sendable {
        /// Send the chat request (false for `--no-call`).
        public var sendsChatRequest: Bool
        /// Connect, first-byte and whole-request limit of the chat request.
        public var chatTimeout: Duration
        /// Timeouts, retries and sleeps of the identity library.
        public var identity: IdentityOptions

        public init(sendsChatRequest: Bool = true, chatTimeout: Duration = .seconds(20), identity: IdentityOptions = .init()) {
            self.sendsChatRequest = sendsChatRequest
            self.chatTimeout = chatTimeout
            self.identity = identity
        }
    }

    let settings: ParleySettings
    let httpClient: OutboundHTTPClient
    let logger: Logger
    let now: @Sendable () -> Date
    let options: Options

    public init(settings: ParleySettings, httpClient: OutboundHTTPClient, logger: Logger,
                now: @escaping @Sendable () -> Date = { Date() }, options: Options = .init()) {
        self.settings = settings
        self.httpClient = httpClient
        self.logger = logger
        self.now = now
        self.options = options
    }

    /// `parley doctor`: runs every check with its own outbound client, shut down at the end.
    /// - Throws: `SettingsError` as `run()`.
    public static func run(settings: ParleySettings, sendsChatRequest: Bool) async throws -> DoctorReport {
        // The report is the output: log lines would only repeat it, so only errors are logged
        // (to stderr) unless LOG_LEVEL asks for debug or trace.
        ParleyLogging.bootstrap(format: settings.logFormat, level: settings.logLevel <= .debug ? settings.logLevel : .error)
        // A person is waiting: one retry and 10 s per Entra attempt (instead of the server's three
        // and 15 s) keep an unreachable Entra to about 20 s; the report then says it was unreachable.
        var identity = IdentityOptions()
        identity.entraAttemptTimeout = .seconds(10)
        identity.entraRetry.maxRetries = 1
        // A refused or black-holed connection must not stall the doctor (AHC reports a refusal
        // only when the connect timeout ends, 1.37).
        return try await ParleyApplication.withOutboundClient(settings: settings, timeout: .init(connect: .seconds(5))) { httpClient in
            try await Doctor(settings: settings, httpClient: httpClient, logger: Logger(label: "parley.doctor"),
                             options: .init(sendsChatRequest: sendsChatRequest, identity: identity)).run()
        }
    }

    /// Runs every check.
    /// - Throws: `SettingsError` for an identity setting that would stop `parley serve` from
    ///   starting (an invalid `AZURE_TOKEN_CREDENTIALS` or `AZURE_AUTHORITY_HOST`).
    public func run() async throws -> DoctorReport {
        var (report, token) = try await runModelChecks()
        if let backends = await DoctorBackendsCheck(settings: settings, httpClient: httpClient, logger: logger, now: now,
                                                    options: options).step(obtained: token) {
            report.steps.append(backends)
        }
        report.steps.append(await DoctorStoreCheck(settings: settings, httpClient: httpClient, logger: logger, now: now,
                                                   identity: options.identity).step())
        if let signIn = await DoctorSignInCheck(settings: settings, httpClient: httpClient, logger: logger, now: now,
                                                identity: options.identity).step() {
            report.steps.append(signIn)
        }
        if let documents = await DoctorDocumentsCheck(settings: settings, logger: logger).step() {
            report.steps.append(documents)
        }
        return report
    }

    /// The report so far, and the Entra token the identity step obtained (for the backends check).
    private func runModelChecks() async throws -> (DoctorReport, token: String?) {
        var report = DoctorReport(mode: settings.mode.rawValue,
                                  authentication: settings.mode == .offline ? nil : settings.authentication.rawValue,
                                  steps: [DoctorConfigurationCheck.step(settings: settings)])
        guard let endpoint = settings.endpoint else {
            let why = "offline mode: nothing to check."
            report.steps += [
                DoctorStep(id: .identity, title: DoctorIdentityCheck.title, status: .skipped, summary: why),
                DoctorProjectedTokenCheck.skipped(why),
                DoctorAccessTokenCheck.skipped(why),
                DoctorChatCheck.skipped(why),
            ]
            return (report, nil)
        }
        let chat = DoctorChatCheck(settings: settings, endpoint: endpoint, httpClient: httpClient, logger: logger,
                                   timeout: options.chatTimeout)
        switch settings.authentication {
        case .apiKey:
            let why = "API-key authentication: no Microsoft Entra token is used."
            report.steps += [
                DoctorIdentityCheck.skippedForAPIKey(),
                DoctorProjectedTokenCheck.skipped(why),
                DoctorAccessTokenCheck.skipped(why),
                options.sendsChatRequest
                    ? await chat.step(authenticator: APIKeyAuthenticator(key: settings.apiKey ?? ""), principal: nil)
                    : DoctorChatCheck.skipped("not sent (--no-call)."),
            ]
        case .entra:
            let (steps, token) = try await entraSteps(report: &report, chat: chat)
            report.steps += steps
            return (report, token)
        }
        return (report, nil)
    }

    private func entraSteps(report: inout DoctorReport, chat: DoctorChatCheck) async throws -> ([DoctorStep], token: String?) {
        let environment = settings.identityEnvironment
        let credential: DefaultAzureCredential
        do {
            credential = try DefaultAzureCredential(environment: environment, httpClient: httpClient, logger: logger,
                                                    now: now, options: options.identity)
        } catch let error as IdentityConfigurationError {
            // The same one-line error `parley serve` stops with (SharedTokenCache).
            throw SettingsError(error.variable, error.message)
        }
        let run = await credential.diagnose(scopes: [settings.scopes.openAI])
        var steps = [
            DoctorIdentityCheck.step(credential: credential, run: run, environment: environment, scope: settings.scopes.openAI),
            DoctorProjectedTokenCheck.step(credential: credential, run: run, environment: environment, now: now()),
        ]
        guard let token = run.token else {
            steps.append(DoctorAccessTokenCheck.skipped("no token was obtained (see Identity above)."))
            steps.append(DoctorChatCheck.skipped(options.sendsChatRequest
                ? "not sent: without a token the request cannot be authenticated."
                : "not sent (--no-call)."))
            return (steps, nil)
        }
        let principal = try? AccessTokenClaims(jwt: token.token).objectID
        report.selectedCredential = run.winner
        report.principalObjectID = principal
        steps.append(DoctorAccessTokenCheck.step(token: token, credential: run.winner, scopes: settings.scopes, now: now()))
        guard options.sendsChatRequest else {
            steps.append(DoctorChatCheck.skipped("not sent (--no-call)."))
            return (steps, token.token)
        }
        // The token the chain walk obtained, for the one request. Nothing to forget: after a 401 the
        // client's single retry reuses it, as there is no other token to try.
        let obtained = token.token
        let authenticator = BearerTokenAuthenticator(token: { obtained }, forget: { _ in })
        steps.append(await chat.step(authenticator: authenticator, principal: principal))
        return (steps, obtained)
    }
}
