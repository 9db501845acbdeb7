import Foundation
import Logging
import ParleyIdentity
import ParleyTestSupport
import Testing

/// EnvironmentCredential with `AZURE_CLIENT_CERTIFICATE_PATH` against the fake Entra, which
/// verifies the RS256 signature with the registered certificate's public key, the `x5t#S256`
/// thumbprint and the claims. The PEM files are throwaway test-only keys (Fixtures/certificate).
@Suite struct CertificateCredentialTests {
    typealias Env = IdentityTestEnvironment
    static let directory = Env.fixtures.appendingPathComponent("certificate")
    static func fixture(_ name: String) -> String { directory.appendingPathComponent(name).path }
    static let goodPEM = fixture("client-certificate.pem")

    static func fakeOptions() throws -> FakeEntra.Options {
        var options = FakeEntra.Options()
        options.clientCertificate = try FakeEntraCertificate(pem: String(contentsOfFile: goodPEM, encoding: .utf8))
        return options
    }

    func credential(_ fake: FakeEntra?, path: String?, _ extra: [String: String?] = [:], logger: Logger = Logger(label: "test")) throws -> EnvironmentCredential {
        var overrides: [String: String?] = [
            "AZURE_TENANT_ID": Env.tenantID, "AZURE_CLIENT_ID": Env.clientID, "AZURE_CLIENT_CERTIFICATE_PATH": path,
        ]
        for (key, value) in extra { overrides[key] = value }
        return try EnvironmentCredential(environment: Env.make(fake: fake, overrides), httpClient: .shared, logger: logger, options: Env.options())
    }

    @Test func signedAssertionIsAcceptedByTheFakeEntra() async throws {
        try await withFakeEntra(try Self.fakeOptions()) { fake in
            let credential = try credential(fake, path: Self.goodPEM)
            #expect(credential.unavailableReason == nil)
            let token = try await credential.getToken(scopes: [Env.scope])
            #expect(fake.isValid(token: token.token))
            let request = try #require(fake.requests.first)
            #expect(request.fieldOrder == ["client_id", "client_assertion", "client_assertion_type", "grant_type", "scope"])
            #expect(request.form["client_assertion_type"] == "urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
            #expect(request.form["client_secret"] == nil)
            let assertion = try #require(request.form["client_assertion"])
            let header = try #require(Self.json(part: 0, of: assertion))
            #expect(header["alg"] as? String == "RS256")
            #expect(header["x5t#S256"] as? String == fake.options.clientCertificate?.thumbprintSHA256)
            let claims = try #require(Self.json(part: 1, of: assertion))
            #expect(claims["aud"] as? String == fake.baseURL + "/\(Env.tenantID)/oauth2/v2.0/token")
            #expect(claims["iss"] as? String == Env.clientID)
            #expect(claims["sub"] as? String == Env.clientID)
            #expect((claims["jti"] as? String)?.isEmpty == false)
            let nbf = try #require((claims["nbf"] as? NSNumber)?.doubleValue)
            let exp = try #require((claims["exp"] as? NSNumber)?.doubleValue)
            #expect(exp - nbf == 600)
            #expect(abs(nbf - Date().timeIntervalSince1970) < 60)
        }
    }

    @Test func aSignatureFromAnotherKeyIsRefusedByEntra() async throws {
        try await withFakeEntra(try Self.fakeOptions()) { fake in
            let error = try await #require(throws: AuthenticationFailedError.self) {
                try await credential(fake, path: Self.fixture("certificate-with-wrong-key.pem")).getToken(scopes: [Env.scope])
            }
            #expect(error.errorCodes == [700027])
            #expect(error.reason.contains("invalid signature"))
        }
    }

    @Test func aCertificateEntraDoesNotKnowIsRefused() async throws {
        try await withFakeEntra { fake in  // no certificate registered
            let error = try await #require(throws: AuthenticationFailedError.self) {
                try await credential(fake, path: Self.goodPEM).getToken(scopes: [Env.scope])
            }
            #expect(error.errorCodes == [700027])
        }
    }

    @Test(arguments: [
        ("missing.pem", "there is no such file"),
        ("certificate-without-key.pem", "holds no RSA private key"),
        ("client-certificate-encrypted-key.pem", "holds an encrypted private key"),
        ("README.md", "is not a PEM file"),
    ])
    func anUnusableCertificateFailsNamingTheVariable(file: String, expected: String) async throws {
        try await withFakeEntra(try Self.fakeOptions()) { fake in
            let error = try await #require(throws: AuthenticationFailedError.self) {
                try await credential(fake, path: Self.fixture(file)).getToken(scopes: [Env.scope])
            }
            #expect(error.reason.hasPrefix("AZURE_CLIENT_CERTIFICATE_PATH '\(Self.fixture(file))'"))
            #expect(error.reason.contains(expected))
            #expect(fake.requests.isEmpty)
        }
    }

    @Test func aCertificatePasswordIsRefusedClearly() async throws {
        try await withFakeEntra(try Self.fakeOptions()) { fake in
            let error = try await #require(throws: AuthenticationFailedError.self) {
                try await credential(fake, path: Self.fixture("client-certificate-encrypted-key.pem"),
                                     ["AZURE_CLIENT_CERTIFICATE_PASSWORD": "test-only-password"]).getToken(scopes: [Env.scope])
            }
            #expect(error.reason.hasPrefix("AZURE_CLIENT_CERTIFICATE_PASSWORD is set, but Parley reads only PEM files with an unencrypted private key"))
            #expect(!error.reason.contains("test-only-password"))
            #expect(fake.requests.isEmpty)
        }
    }

    /// A broken certificate must not let the chain go on to act as another principal.
    @Test func inTheChainAnUnusableCertificateStopsIt() async throws {
        let directory = try TemporaryDirectory()
        let record = directory.file("az-argv")
        try await withFakeEntra(try Self.fakeOptions()) { fake in
            let chain = try Env.chain(Env.make(fake: fake, [
                "AZURE_TENANT_ID": Env.tenantID, "AZURE_CLIENT_ID": Env.clientID,
                "AZURE_CLIENT_CERTIFICATE_PATH": Self.fixture("missing.pem"), "FAKE_AZ_RECORD": record,
            ]), logger: Logger(label: "test"))
            let error = try await #require(throws: ChainedCredentialError.self) { try await chain.getToken(scopes: [Env.scope]) }
            #expect(error.stoppedBy == "EnvironmentCredential")
            #expect(error.description.contains("AZURE_CLIENT_CERTIFICATE_PATH"))
            #expect(fake.imds.requests.isEmpty)
            #expect(!FileManager.default.fileExists(atPath: record))
        }
    }

    @Test func theSecretWinsWhenBothAreSet() async throws {
        try await withFakeEntra(try Self.fakeOptions()) { fake in
            _ = try await credential(fake, path: Self.fixture("missing.pem"), ["AZURE_CLIENT_SECRET": "a-secret"]).getToken(scopes: [Env.scope])
            #expect(fake.requests.first?.form["client_secret"] == "a-secret")
            #expect(fake.requests.first?.form["client_assertion"] == nil)
        }
    }

    @Test func aCertificateWithoutTenantIsUnavailableAndSaysWhatIsMissing() throws {
        let credential = try credential(nil, path: Self.goodPEM, ["AZURE_TENANT_ID": nil])
        #expect(credential.unavailableReason == "AZURE_CLIENT_CERTIFICATE_PATH is set, but AZURE_TENANT_ID is not (a service principal needs AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_CERTIFICATE_PATH).")
    }

    static func json(part: Int, of jwt: String) -> [String: Any]? {
        let parts = jwt.split(separator: ".").map(String.init)
        guard parts.count == 3 else { return nil }
        var base64 = parts[part].replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        guard let data = Data(base64Encoded: base64) else { return nil }
        return try? JSONSerialization.jsonObject(with: data) as? [String: Any]
    }
}
