import AsyncHTTPClient
import Foundation
import Logging
import ParleyIdentity
import ParleyTestSupport
import Testing

@Suite struct DefaultAzureCredentialTests {
    typealias Env = IdentityTestEnvironment
    static let all = ["EnvironmentCredential", "WorkloadIdentityCredential", "ManagedIdentityCredential",
                      "AzureCliCredential", "AzureDeveloperCliCredential"]

    // Generous: the loopback fake answers at once, but a busy 2-core CI machine can take longer
    // than the production 1 s probe to schedule it; the probe's giving up is tested on its own.
    func options(probe: Duration = .seconds(5)) -> IdentityOptions {
        var options = Env.options()
        options.imdsProbeTimeout = probe
        return options
    }

    func wiEnvironment(_ fake: FakeEntra, tokenFile: String, _ extra: [String: String?] = [:]) -> [String: String] {
        var overrides: [String: String?] = [
            "AZURE_CLIENT_ID": Env.clientID, "AZURE_TENANT_ID": Env.tenantID, "AZURE_FEDERATED_TOKEN_FILE": tokenFile,
        ]
        for (key, value) in extra { overrides[key] = value }
        return Env.make(fake: fake, overrides)
    }

    // MARK: AZURE_TOKEN_CREDENTIALS

    @Test(arguments: [
        (nil, all),
        ("dev", ["AzureCliCredential", "AzureDeveloperCliCredential"]),
        (" PROD ", ["EnvironmentCredential", "WorkloadIdentityCredential", "ManagedIdentityCredential"]),
        ("EnvironmentCredential", ["EnvironmentCredential"]),
        ("workloadidentitycredential", ["WorkloadIdentityCredential"]),
        ("ManagedIdentityCredential", ["ManagedIdentityCredential"]),
        ("AzureCliCredential", ["AzureCliCredential"]),
        ("AZUREDEVELOPERCLICREDENTIAL", ["AzureDeveloperCliCredential"]),
        ("", all),
    ] as [(String?, [String])])
    func selectionDecidesTheChainAndItsOrder(value: String?, expected: [String]) throws {
        let chain = try Env.chain(Env.make(["AZURE_TOKEN_CREDENTIALS": value]), logger: Logger(label: "test"))
        #expect(chain.configuredCredentials == expected)
        #expect(chain.plan.map(\.name) == expected)
    }

    @Test func invalidSelectionFailsAtStartNamingTheAllowedValues() {
        let error = #expect(throws: IdentityConfigurationError.self) {
            try DefaultAzureCredential(environment: Env.make(["AZURE_TOKEN_CREDENTIALS": "bogus"]), httpClient: .shared, logger: Logger(label: "test"))
        }
        #expect(error?.variable == "AZURE_TOKEN_CREDENTIALS")
        #expect(error?.description == "AZURE_TOKEN_CREDENTIALS='bogus' is not valid. Valid values are: dev, prod, EnvironmentCredential, WorkloadIdentityCredential, ManagedIdentityCredential, AzureCliCredential, AzureDeveloperCliCredential (case-insensitive), or leave it unset for the whole chain.")
    }

    @Test func credentialsParleyDoesNotImplementAreNamedAsSuch() {
        let error = #expect(throws: IdentityConfigurationError.self) {
            try DefaultAzureCredential(environment: Env.make(["AZURE_TOKEN_CREDENTIALS": "AzurePowerShellCredential"]), httpClient: .shared, logger: Logger(label: "test"))
        }
        #expect(error?.description.hasPrefix("AZURE_TOKEN_CREDENTIALS='AzurePowerShellCredential' names a credential Parley does not implement.") == true)
    }

    @Test func invalidAuthorityFailsAtStart() {
        #expect(throws: IdentityConfigurationError.self) {
            try DefaultAzureCredential(environment: Env.make(["AZURE_AUTHORITY_HOST": "http://login.example.com"]), httpClient: .shared, logger: Logger(label: "test"))
        }
    }

    // MARK: Chain semantics

    @Test func aggregatedErrorListsEveryAttempt() async throws {
        try await withFakeEntra { fake in
            fake.imds.enqueue(.status(400, body: FakeEntraFixtures.imdsIdentityNotFound))
            let chain = try Env.chain(Env.make(fake: fake, ["PATH": "/nonexistent"]), logger: Logger(label: "test"), options: options())
            let error = try await #require(throws: ChainedCredentialError.self) { try await chain.getToken(scopes: [Env.scope]) }
            #expect(error.attempts.map(\.credential) == Self.all)
            #expect(error.stoppedBy == nil)
            #expect(error.description == """
                DefaultAzureCredential failed to get a token from the configured credentials.
                Attempted credentials:
                \tEnvironmentCredential: no service principal is configured (AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET or AZURE_CLIENT_CERTIFICATE_PATH are not set).
                \tWorkloadIdentityCredential: workload identity is not configured: AZURE_CLIENT_ID, AZURE_TENANT_ID and AZURE_FEDERATED_TOKEN_FILE are not set. Outside Kubernetes set all three, or use another credential (e.g. `az login` for local development).
                \tManagedIdentityCredential: IMDS at \(fake.baseURL) has no token for a system-assigned identity (HTTP 400 invalid_request: Identity not found). Enable the system-assigned identity of this VM or scale set, or set AZURE_CLIENT_ID to a user-assigned identity assigned to it.
                \tAzureCliCredential: the Azure CLI (az) is not on PATH; install it and run `az login`, or use another credential.
                \tAzureDeveloperCliCredential: the Azure Developer CLI (azd) is not on PATH; install it and run `azd auth login`, or use another credential.
                Run `parley doctor` to see the configuration and every attempt.
                """)
            #expect(chain.attempts == error.attempts)
            #expect(chain.selectedCredential == nil)
        }
    }

    // Changed with issue 10: this used to script an IMDS 503 for the probe to "move on"; a 503
    // now means IMDS is there (and, still failing after retries, stops the chain; see below), so
    // here no IMDS listens at all.
    @Test func unavailableMovesOnAndTheWinnerIsRemembered() async throws {
        try await withFakeEntra { fake in
            let environment = Env.make(fake: fake, ["FAKE_AZD_MODE": "not-logged-in", "AZURE_POD_IDENTITY_AUTHORITY_HOST": Env.closedLoopback])
            let chain = try Env.chain(environment, logger: Logger(label: "test"), options: options())
            let token = try await chain.getToken(scopes: [Env.scope])
            #expect(token.token == CLICredentialTests.fixtureToken)
            #expect(chain.selectedCredential == "AzureCliCredential")
            #expect(chain.attempts.map(\.credential) == Array(Self.all.prefix(4)))
            #expect(chain.attempts.last?.succeeded == true)

            _ = try await chain.getToken(scopes: [Env.scope])
            #expect(chain.attempts.map(\.credential) == ["AzureCliCredential"])  // only the remembered one
            #expect(fake.imds.requests.isEmpty)
        }
    }

    /// identity.md §3.5: IMDS answering 404/410/429/5xx after the retries stops the chain (the
    /// SDKs raise ClientAuthenticationError there) instead of moving on to another principal.
    @Test func imdsStillFailingAfterRetriesStopsTheChain() async throws {
        let directory = try TemporaryDirectory()
        let record = directory.file("az-argv")
        try await withFakeEntra { fake in
            for _ in 0..<6 { fake.imds.enqueue(.status(503)) }
            let chain = try Env.chain(Env.make(fake: fake, ["FAKE_AZ_RECORD": record]), logger: Logger(label: "test"), options: options())
            let error = try await #require(throws: ChainedCredentialError.self) { try await chain.getToken(scopes: [Env.scope]) }
            #expect(error.stoppedBy == "ManagedIdentityCredential")
            #expect(error.attempts.map(\.credential) == Array(Self.all.prefix(3)))
            #expect(fake.imds.tokenRequests.count == 6)
            #expect(!FileManager.default.fileExists(atPath: record))  // az was never run
        }
    }

    /// A proxy's HTML page where IMDS should be is "no IMDS here": the chain moves on.
    @Test func aProxyPageInsteadOfIMDSMovesOn() async throws {
        try await withFakeEntra { fake in
            fake.imds.enqueue(.status(403, body: "<html><body>Access denied by proxy</body></html>", headers: ["Content-Type": "text/html"]))
            let chain = try Env.chain(Env.make(fake: fake), logger: Logger(label: "test"), options: options())
            let token = try await chain.getToken(scopes: [Env.scope])
            #expect(token.token == CLICredentialTests.fixtureToken)
            #expect(chain.selectedCredential == "AzureCliCredential")
        }
    }

    @Test func authenticationFailureStopsTheChain() async throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write("token", TestJWT.serviceAccountToken())
        let record = directory.file("az-argv")
        try await withFakeEntra { fake in
            fake.enqueue(.error(FakeEntraFixtures.aadsts70021))
            let chain = try Env.chain(wiEnvironment(fake, tokenFile: path, ["FAKE_AZ_RECORD": record]), logger: Logger(label: "test"), options: options())
            let error = try await #require(throws: ChainedCredentialError.self) { try await chain.getToken(scopes: [Env.scope]) }
            #expect(error.attempts.map(\.credential) == ["EnvironmentCredential", "WorkloadIdentityCredential"])
            #expect(error.stoppedBy == "WorkloadIdentityCredential")
            #expect(error.description.contains("\tWorkloadIdentityCredential: Microsoft Entra ID rejected the token request (HTTP 401 invalid_client, AADSTS70021)"))
            #expect(error.description.contains("WorkloadIdentityCredential is configured but failed, so the chain stopped there"))
            #expect(fake.imds.requests.isEmpty)
            #expect(!FileManager.default.fileExists(atPath: record))  // az was never run
        }
    }

    @Test func workloadIdentityWinsInAConfiguredPod() async throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write("token", TestJWT.serviceAccountToken())
        try await withFakeEntra { fake in
            let chain = try Env.chain(wiEnvironment(fake, tokenFile: path, ["KUBERNETES_SERVICE_HOST": "10.0.0.1"]),
                                      logger: Logger(label: "test"), options: options())
            #expect(chain.plan.map(\.configured) == [false, true, true, true, true])
            let token = try await chain.getToken(scopes: [Env.scope])
            #expect(fake.isValid(token: token.token))
            #expect(chain.selectedCredential == "WorkloadIdentityCredential")
            #expect(fake.requests.count == 1)
        }
    }

    @Test func clientSecretFromTheEnvironmentWinsFirst() async throws {
        let secret = "client-secret-value-never-logged"
        let capture = LogCapture()
        try await withFakeEntra { fake in
            let chain = try Env.chain(Env.make(fake: fake, [
                "AZURE_TENANT_ID": Env.tenantID, "AZURE_CLIENT_ID": Env.clientID, "AZURE_CLIENT_SECRET": secret,
            ]), logger: capture.logger(), options: options())
            let token = try await chain.getToken(scopes: [Env.scope])
            #expect(chain.selectedCredential == "EnvironmentCredential")
            let request = try #require(fake.requests.first)
            #expect(request.fieldOrder == ["client_id", "client_secret", "grant_type", "scope"])
            #expect(request.form == ["client_id": Env.clientID, "client_secret": secret, "grant_type": "client_credentials", "scope": Env.scope])
            #expect(capture.lines(containing: secret).isEmpty)
            #expect(capture.lines(containing: token.token).isEmpty)
        }
    }

    @Test func wrongClientSecretIsExplainedWithoutTheSecret() async throws {
        let secret = "wrong-secret-value-0123456789"
        var options = FakeEntra.Options()
        options.clientSecret = "the-right-secret"
        try await withFakeEntra(options) { fake in
            let chain = try Env.chain(Env.make(fake: fake, [
                "AZURE_TENANT_ID": Env.tenantID, "AZURE_CLIENT_ID": Env.clientID, "AZURE_CLIENT_SECRET": secret,
            ]), logger: Logger(label: "test"), options: self.options())
            let error = try await #require(throws: ChainedCredentialError.self) { try await chain.getToken(scopes: [Env.scope]) }
            #expect(error.stoppedBy == "EnvironmentCredential")
            #expect(error.description.contains("AADSTS7000215"))
            #expect(error.description.contains("Set AZURE_CLIENT_SECRET to the secret's value (not its ID)"))
            #expect(!error.description.contains(secret))
        }
    }

    // MARK: Kubernetes

    @Test func insideAPodWithoutWorkloadIdentityManagedIdentityIsSkippedAndTheMissingLabelNamed() async throws {
        let environment = Env.make(["KUBERNETES_SERVICE_HOST": "10.0.0.1", "AZURE_POD_IDENTITY_AUTHORITY_HOST": nil, "PATH": "/nonexistent"])
        let chain = try Env.chain(environment, logger: Logger(label: "test"), options: options())
        let planned = try #require(chain.plan.first { $0.name == "ManagedIdentityCredential" })
        #expect(!planned.configured)
        #expect(planned.endpoint == nil)  // 169.254.169.254 is not contacted
        let error = try await #require(throws: ChainedCredentialError.self) { try await chain.getToken(scopes: [Env.scope]) }
        let text = error.description
        #expect(text.contains("add the label azure.workload.identity/use: \"true\" to the pod template"))
        #expect(text.contains("\tManagedIdentityCredential: skipped inside Kubernetes: IMDS answers for the node (its kubelet identity), not for this pod"))
        #expect(text.contains("set AZURE_TOKEN_CREDENTIALS=ManagedIdentityCredential to use the node's identity on purpose"))
    }

    @Test func insideAPodWithoutTheClientIDAnnotationTheChainSaysSo() async throws {
        let environment = Env.make(["KUBERNETES_SERVICE_HOST": "10.0.0.1", "AZURE_POD_IDENTITY_AUTHORITY_HOST": nil, "PATH": "/nonexistent",
                                    "AZURE_TENANT_ID": Env.tenantID, "AZURE_FEDERATED_TOKEN_FILE": "/var/run/secrets/azure/tokens/azure-identity-token"])
        // Python's DefaultAzureCredential throws at construction here; ours reports it in the chain.
        let chain = try Env.chain(environment, logger: Logger(label: "test"), options: options())
        let error = try await #require(throws: ChainedCredentialError.self) { try await chain.getToken(scopes: [Env.scope]) }
        #expect(error.description.contains("\tWorkloadIdentityCredential: workload identity is not configured: AZURE_CLIENT_ID is not set. The webhook ran (it injected the token file) but the pod's service account has no annotation azure.workload.identity/client-id"))
        #expect(error.attempts.first { $0.credential == "ManagedIdentityCredential" }.map { if case .unavailable(let reason) = $0.outcome { reason.hasPrefix("skipped inside Kubernetes") } else { false } } == true)
    }

    @Test func insideAPodManagedIdentityChosenOnPurposeIsUsedWithFullRetries() async throws {
        try await withFakeEntra { fake in
            fake.imds.enqueue(.status(503), .token())
            let chain = try Env.chain(Env.make(fake: fake, ["KUBERNETES_SERVICE_HOST": "10.0.0.1", "AZURE_TOKEN_CREDENTIALS": "ManagedIdentityCredential"]),
                                      logger: Logger(label: "test"), options: options())
            let token = try await chain.getToken(scopes: [Env.scope])
            #expect(fake.isValid(token: token.token))
            #expect(fake.imds.requests.count == 2)  // standalone: the 503 was retried, no one-shot probe
        }
    }

    @Test func insideAPodAnExplicitPodIdentityEndpointIsUsed() async throws {
        try await withFakeEntra { fake in
            let chain = try Env.chain(Env.make(fake: fake, ["KUBERNETES_SERVICE_HOST": "10.0.0.1"]),
                                      logger: Logger(label: "test"), options: options())
            _ = try await chain.getToken(scopes: [Env.scope])
            #expect(chain.selectedCredential == "ManagedIdentityCredential")
        }
    }

    // MARK: Diagnostics

    @Test func diagnoseWalksTheWholeChainWithoutChangingTheWinner() async throws {
        try await withFakeEntra { fake in
            fake.imds.enqueue(.status(400, body: FakeEntraFixtures.imdsIdentityNotFound))
            let chain = try Env.chain(Env.make(fake: fake), logger: Logger(label: "test"), options: options())
            _ = try await chain.getToken(scopes: [Env.scope])
            #expect(chain.selectedCredential == "AzureCliCredential")
            // IMDS answered once, so it now gets full retries; a 400 is unavailable regardless.
            fake.imds.enqueue(.status(400, body: FakeEntraFixtures.imdsIdentityNotFound))
            let run = await chain.diagnose(scopes: [Env.scope])
            #expect(run.attempts.map(\.credential) == Array(Self.all.prefix(4)))
            #expect(run.winner == "AzureCliCredential")
            #expect(run.error == nil)
            #expect(run.token?.token == CLICredentialTests.fixtureToken)
            #expect(chain.selectedCredential == "AzureCliCredential")
        }
    }

    @Test func planDescribesEachMemberWithoutSecrets() throws {
        let secret = "plan-secret-value-0123456789"
        let chain = try Env.chain(Env.make([
            "AZURE_TENANT_ID": Env.tenantID, "AZURE_CLIENT_ID": Env.clientID, "AZURE_CLIENT_SECRET": secret,
        ]), logger: Logger(label: "test"))
        #expect(chain.plan.map(\.configured) == [true, false, true, true, true])
        #expect(chain.plan.first?.endpoint == Env.closedLoopback)
        #expect(chain.plan[2].detail == "IMDS at \(Env.closedLoopback) for client ID \(Env.clientID)")
        #expect(chain.plan[3].detail == "az at \(Env.fakeBin)/az")
        for planned in chain.plan { #expect(!planned.detail.contains(secret)) }
    }
}

@Suite struct FakeEntraEnvironmentTests {
    @Test func webhookLikeEnvironmentGetsATokenFromTheFake() async throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write("token", TestJWT.serviceAccountToken())
        try await withFakeEntra { fake in
            var environment = fake.workloadIdentityEnvironment(tokenFile: path)
            environment["PATH"] = "/nonexistent"
            let chain = try IdentityTestEnvironment.chain(environment, logger: Logger(label: "test"))
            let token = try await chain.getToken(scopes: [IdentityTestEnvironment.scope])
            #expect(fake.isValid(token: token.token))
            #expect(chain.selectedCredential == "WorkloadIdentityCredential")
        }
    }

    @Test func missingAnnotationEnvironmentFailsWithTheAnnotationNamed() async throws {
        try await withFakeEntra { fake in
            var environment = fake.workloadIdentityEnvironment(tokenFile: "/var/run/secrets/azure/tokens/azure-identity-token", clientID: nil)
            environment["PATH"] = "/nonexistent"
            let chain = try IdentityTestEnvironment.chain(environment, logger: Logger(label: "test"))
            let error = try await #require(throws: ChainedCredentialError.self) { try await chain.getToken(scopes: [IdentityTestEnvironment.scope]) }
            #expect(error.description.contains("azure.workload.identity/client-id"))
            #expect(error.description.contains("ManagedIdentityCredential: skipped inside Kubernetes"))
            #expect(chain.endpoints.isEmpty)
            #expect(fake.requests.isEmpty)
            #expect(fake.imds.requests.isEmpty)
        }
    }
}
