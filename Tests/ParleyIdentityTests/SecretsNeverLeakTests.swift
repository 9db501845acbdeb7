import Foundation
import Logging
import ParleyIdentity
import ParleyTestSupport
import Testing

/// Even when an upstream echoes what we sent, no assertion, secret or token reaches an error or a
/// log line.
@Suite struct SecretsNeverLeakTests {
    typealias Env = IdentityTestEnvironment

    @Test func echoedAssertionInAnOddResponseIsScrubbed() async throws {
        let directory = try TemporaryDirectory()
        let assertion = TestJWT.serviceAccountToken()
        let path = try directory.write("token", assertion)
        let capture = LogCapture()
        try await withFakeEntra { fake in
            fake.enqueue(.status(400, body: "proxy says: bad request client_assertion=\(assertion)"))
            let chain = try Env.chain(Env.make(fake: fake, [
                "AZURE_CLIENT_ID": Env.clientID, "AZURE_TENANT_ID": Env.tenantID, "AZURE_FEDERATED_TOKEN_FILE": path,
            ]), logger: capture.logger())
            let cache = TokenCache(credential: chain, logger: capture.logger())
            let error = try await #require(throws: ChainedCredentialError.self) { try await cache.token(for: Env.scope) }
            #expect(error.description.contains("proxy says: bad request"))
            #expect(!error.description.contains(assertion))
            #expect(capture.lines(containing: assertion).isEmpty)
            #expect(!capture.lines(containing: "could not get a token").isEmpty)
        }
    }

    @Test func echoedSecretInAnEntraErrorIsScrubbed() async throws {
        let secret = "echoed-client-secret-value-42"
        let capture = LogCapture()
        try await withFakeEntra { fake in
            fake.enqueue(.status(401, body: #"{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided: '\#(secret)'.","error_codes":[7000215]}"#))
            let credential = try EnvironmentCredential(environment: Env.make(fake: fake, [
                "AZURE_TENANT_ID": Env.tenantID, "AZURE_CLIENT_ID": Env.clientID, "AZURE_CLIENT_SECRET": secret,
            ]), httpClient: .shared, logger: capture.logger(), options: Env.options())
            let error = try await #require(throws: AuthenticationFailedError.self) { try await credential.getToken(scopes: [Env.scope]) }
            #expect(error.description.contains("AADSTS7000215"))
            #expect(!error.description.contains(secret))
            #expect(error.entraError?.errorDescription?.contains(secret) == false)
            #expect(capture.lines(containing: secret).isEmpty)
        }
    }

    @Test func tokensFromEveryCredentialStayOutOfLogs() async throws {
        let capture = LogCapture()
        try await withFakeEntra { fake in
            let chain = try Env.chain(Env.make(fake: fake, ["AZURE_TOKEN_CREDENTIALS": "ManagedIdentityCredential"]), logger: capture.logger())
            let cache = TokenCache(credential: chain, logger: capture.logger())
            let token = try await cache.token(for: Env.scope)
            let cli = try Env.chain(Env.make(["AZURE_TOKEN_CREDENTIALS": "dev"]), logger: capture.logger())
            let cliToken = try await TokenCache(credential: cli, logger: capture.logger()).token(for: Env.scope)
            #expect(!capture.lines.isEmpty)
            #expect(capture.lines(containing: token.token).isEmpty)
            #expect(capture.lines(containing: cliToken.token).isEmpty)
            #expect(capture.lines(containing: "eyJ").isEmpty)
        }
    }

    /// A certificate-signed assertion and the private key never reach a log line or an error,
    /// through the chain and the token cache, even when an upstream echoes the assertion.
    @Test func certificateAssertionAndKeyNeverLeak() async throws {
        let capture = LogCapture()
        let pem = CertificateCredentialTests.goodPEM
        let keyLines = try String(contentsOfFile: pem, encoding: .utf8)
            .components(separatedBy: "-----BEGIN PRIVATE KEY-----")[1]
            .components(separatedBy: "-----END PRIVATE KEY-----")[0]
            .split(separator: "\n").map(String.init).filter { !$0.isEmpty }
        try await withFakeEntra(try CertificateCredentialTests.fakeOptions()) { fake in
            let environment = Env.make(fake: fake, [
                "AZURE_TENANT_ID": Env.tenantID, "AZURE_CLIENT_ID": Env.clientID, "AZURE_CLIENT_CERTIFICATE_PATH": pem,
            ])
            let chain = try Env.chain(environment, logger: capture.logger())
            let token = try await TokenCache(credential: chain, logger: capture.logger()).token(for: Env.scope)
            let first = try #require(fake.requests.first?.form["client_assertion"])
            fake.enqueue(.status(400, body: "proxy says: bad request client_assertion=\(first)"))
            let failing = try EnvironmentCredential(environment: environment, httpClient: .shared, logger: capture.logger(), options: Env.options())
            let error = try await #require(throws: AuthenticationFailedError.self) { try await failing.getToken(scopes: [Env.scope]) }
            #expect(error.description.contains("proxy says: bad request"))
            #expect(!capture.lines.isEmpty)
            #expect(capture.lines(containing: token.token).isEmpty)
            for request in fake.requests {
                let assertion = try #require(request.form["client_assertion"])
                let signature = String(assertion.split(separator: ".")[2])
                #expect(capture.lines(containing: assertion).isEmpty)
                #expect(capture.lines(containing: signature).isEmpty)
                #expect(!error.description.contains(assertion))
                #expect(!error.description.contains(signature))
            }
            for line in keyLines {
                #expect(capture.lines(containing: line).isEmpty)
                #expect(!error.description.contains(line))
            }
        }
    }
}
