import AsyncHTTPClient
import Foundation
import ParleyDoctor
import ParleyIdentity
import ParleyOutbound
import ParleyServer
import ParleyTestSupport
import Testing

/// A workload-identity setup for `parley doctor`: a projected token in a temp file, a fake Entra
/// that federates it, a fake Azure OpenAI that accepts only that Entra's tokens, and the pod's
/// environment. Nothing can leave the machine: the authority is the fake, managed identity goes
/// to a closed loopback port, and PATH is an empty folder (no `az`/`azd` unless a test adds one).
struct DoctorFixture: Sendable {
    static let tenant = "72f988bf-86f1-41af-91ab-2d7cd011db47"
    static let clientID = "11111111-2222-3333-4444-555555555555"
    static let issuer = "https://oidc.example.test/tenant/cluster/"
    static let federatedSubject = "system:serviceaccount:chat:parley"
    /// The `oid` the fake Entra puts in its tokens (TestJWT.accessToken's default).
    static let principal = "aaaaaaaa-0000-1111-2222-bbbbbbbbbbbb"
    /// A loopback port nothing listens on (discard): managed identity may try it and fail fast.
    static let closedPort = "http://127.0.0.1:9"

    let folder: URL
    let tokenFile: URL
    let assertion: String
    let entra: FakeEntra
    let openAI: FakeAzureOpenAI
    let clock: ManualClock
    /// A short connect timeout: AHC reports a refused loopback connection only when it ends.
    let httpClient: HTTPClient
    let logs = LogCapture()

    /// The environment of a correctly set-up pod.
    var environment: [String: String] {
        [
            "OPENAI_API_BASE": openAI.endpoint,
            "DEPLOYMENT_NAME": "gpt-35-turbo",
            "AZURE_CLIENT_ID": Self.clientID,
            "AZURE_TENANT_ID": Self.tenant,
            "AZURE_FEDERATED_TOKEN_FILE": tokenFile.path,
            "AZURE_AUTHORITY_HOST": entra.baseURL,
            "KUBERNETES_SERVICE_HOST": "10.0.0.1",
            "AZURE_POD_IDENTITY_AUTHORITY_HOST": Self.closedPort,
            "PATH": folder.appendingPathComponent("bin").path,
            "HOME": folder.path,
        ]
    }

    /// Starts the fakes; `subject` is what the projected token says, `openAIOptions` scripts Azure OpenAI.
    static func with(
        subject serviceAccount: String = "parley",
        openAIOptions: FakeAzureOpenAI.Options = .init(chunkDelay: .zero),
        _ body: @Sendable (DoctorFixture) async throws -> Void
    ) async throws {
        let clock = ManualClock(Date())
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("parley-doctor-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("bin"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let tokenFile = folder.appendingPathComponent("azure-identity-token")
        let assertion = TestJWT.serviceAccountToken(
            issuer: issuer, namespace: "chat", serviceAccount: serviceAccount, issuedAt: clock.now(), lifetime: 86400)
        try assertion.write(to: tokenFile, atomically: true, encoding: .utf8)

        var entraOptions = FakeEntra.Options()
        entraOptions.now = { clock.now() }
        entraOptions.federatedCredential = .init(issuer: issuer, subject: federatedSubject)
        let entra = try await FakeEntra.start(options: entraOptions)
        let issued = entra.issuer
        var options = openAIOptions
        if options.bearerTokenValidator == nil {
            options.bearerTokenValidator = { issued.isValid($0, at: clock.now()) }
        }
        let openAI: FakeAzureOpenAI
        do {
            openAI = try await FakeAzureOpenAI.start(options: options)
        } catch {
            await entra.stop()
            throw error
        }
        var configuration = HTTPClient.Configuration()
        configuration.timeout = .init(connect: .seconds(1))
        let httpClient = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        let fixture = DoctorFixture(folder: folder, tokenFile: tokenFile, assertion: assertion, entra: entra,
                                    openAI: openAI, clock: clock, httpClient: httpClient)
        do {
            try await body(fixture)
        } catch {
            try? await httpClient.shutdown()
            await entra.stop()
            try? await openAI.shutdown()
            throw error
        }
        try await httpClient.shutdown()
        await entra.stop()
        try await openAI.shutdown()
    }

    /// Runs the doctor through its library entry point, as `parley doctor` does.
    func run(_ environment: [String: String], call: Bool = true) async throws -> DoctorReport {
        let settings = try await ParleySettings.load(
            environment: environment, dotEnvPath: nil, identityVariables: IdentityEnvironment.variableNames)
        let doctor = Doctor(settings: settings, httpClient: OutboundHTTPClient(wrapping: httpClient), logger: logs.logger(label: "parley.doctor", level: .trace),
                            now: { clock.now() },
                            options: .init(sendsChatRequest: call, chatTimeout: .seconds(10)))
        return try await doctor.run()
    }

    /// Every secret this setup produced: the projected token and every token the fake Entra issued.
    var secrets: [String] { [assertion] + entra.issuer.issuedTokens }

    /// Fails the test if any secret appears in `text` or in the captured log.
    func expectNoSecrets(in texts: String..., sourceLocation: SourceLocation = #_sourceLocation) {
        for secret in secrets {
            for text in texts {
                #expect(!text.contains(secret), "a token reached the doctor's output", sourceLocation: sourceLocation)
            }
            #expect(logs.lines(containing: secret).isEmpty, "a token reached the log", sourceLocation: sourceLocation)
        }
    }

    /// Puts an executable shell script named `name` on the fixture's PATH.
    func installExecutable(_ name: String, script: String) throws {
        let url = folder.appendingPathComponent("bin").appendingPathComponent(name)
        try ExecutableScript.write(script, to: url)
    }
}

extension DoctorReport {
    /// Every line a person or a machine would see, for "contains" assertions.
    var allText: String {
        render() + (String(data: (try? jsonData()) ?? Data(), encoding: .utf8) ?? "")
    }
}
