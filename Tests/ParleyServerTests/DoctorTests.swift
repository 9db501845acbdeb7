import Foundation
import ParleyDoctor
import ParleyIdentity
import ParleyServer
import ParleyTestSupport
import Testing

@Suite("parley doctor against the fakes")
struct DoctorTests {
    @Test func allGoodPassesEveryStepAndSendsOneRequest() async throws {
        try await DoctorFixture.with { fixture in
            let report = try await fixture.run(fixture.environment)

            #expect(report.ok)
            #expect(report.exitCode == 0)
            #expect(report.steps.map(\.id) == DoctorStep.ID.inEveryReport)
            #expect(report.steps.allSatisfy { $0.status == .ok }, "\(report.render())")
            #expect(report.selectedCredential == "WorkloadIdentityCredential")
            #expect(report.principalObjectID == DoctorFixture.principal)

            let identity = try #require(report.step(.identity))
            #expect(identity.chain?.first { $0.credential == "WorkloadIdentityCredential" }?.outcome == .succeeded)
            #expect(identity.facts.contains(DoctorFact("AZURE_CLIENT_ID", DoctorFixture.clientID)))

            let projected = try #require(report.step(.projectedToken))
            #expect(projected.facts.contains(DoctorFact("issuer (iss)", DoctorFixture.issuer)))
            #expect(projected.facts.contains(DoctorFact("subject (sub)", DoctorFixture.federatedSubject)))
            #expect(projected.facts.contains(DoctorFact("audience (aud)", "api://AzureADTokenExchange")))
            // 24 h, give or take the fraction of a second that JWT's whole-second `exp` drops.
            #expect(projected.facts.contains { $0.name == "expires (exp)" && $0.value.contains(#/\(in (23 h 59|24 h 0) min\)/#) })
            #expect(projected.facts.contains(DoctorFact("AZURE_TENANT_ID", DoctorFixture.tenant)))

            let access = try #require(report.step(.accessToken))
            #expect(access.facts.contains(DoctorFact("principal object ID (oid)", DoctorFixture.principal)))
            #expect(access.facts.contains(DoctorFact("client ID (appid)", DoctorFixture.clientID)))
            #expect(access.facts.contains(DoctorFact("audience (aud)", "https://cognitiveservices.azure.com")))

            let requests = await fixture.openAI.requests
            #expect(requests.count == 1)
            #expect(requests.first?.deployment == "gpt-35-turbo")
            #expect(requests.first?.messages.last?.content == "ping")
            #expect(fixture.entra.requests.count == 1)

            let text = report.render()
            #expect(text.contains("✔ Azure OpenAI: deployment 'gpt-35-turbo' answered in"))
            #expect(text.hasSuffix("Result: everything works.\n"))
            fixture.expectNoSecrets(in: report.allText)
        }
    }

    @Test func missingPodLabelNamesTheLabelAndCallsNothing() async throws {
        try await DoctorFixture.with { fixture in
            var environment = fixture.environment
            for name in ["AZURE_CLIENT_ID", "AZURE_TENANT_ID", "AZURE_FEDERATED_TOKEN_FILE", "AZURE_AUTHORITY_HOST"] {
                environment[name] = nil
            }
            let report = try await fixture.run(environment)

            #expect(!report.ok)
            #expect(report.exitCode == 1)
            let identity = try #require(report.step(.identity))
            #expect(identity.status == .failed)
            #expect(identity.summary.contains(#"missing pod label azure.workload.identity/use: "true""#))
            #expect(identity.fixes.first?.contains(#"add the label azure.workload.identity/use: "true" to the pod template"#) == true)
            #expect(identity.fixes.contains { $0.contains("azure.workload.identity/client-id") })
            // The library's own hint is surfaced in the attempt line as well.
            #expect(identity.notes.contains { $0.hasPrefix("– WorkloadIdentityCredential: unavailable:") && $0.contains("pod label") })
            #expect(report.step(.projectedToken)?.status == .skipped)
            #expect(report.step(.accessToken)?.status == .skipped)
            #expect(report.step(.azureOpenAI)?.status == .skipped)
            #expect(fixture.entra.requests.isEmpty)
            #expect(await fixture.openAI.requests.isEmpty)
            #expect(report.render().contains("✘ Identity: no credential produced a token"))
        }
    }

    @Test func missingClientIDNamesTheServiceAccountAnnotation() async throws {
        try await DoctorFixture.with { fixture in
            var environment = fixture.environment
            environment["AZURE_CLIENT_ID"] = nil
            let report = try await fixture.run(environment)

            #expect(report.exitCode == 1)
            let identity = try #require(report.step(.identity))
            #expect(identity.status == .failed)
            #expect(identity.summary.contains("missing service-account annotation azure.workload.identity/client-id"))
            #expect(identity.fixes.count == 1)
            #expect(identity.fixes[0].contains("kubectl annotate serviceaccount <service account> -n <namespace> azure.workload.identity/client-id=<client id>"))
            #expect(!identity.fixes[0].contains("azure.workload.identity/use"), "the webhook ran: the label is there")
            #expect(identity.facts.contains(DoctorFact("AZURE_CLIENT_ID", "not set")))
            // The token is mounted, so its claims are still shown.
            let projected = try #require(report.step(.projectedToken))
            #expect(projected.status == .ok)
            #expect(projected.facts.contains(DoctorFact("AZURE_CLIENT_ID", "not set")))
            #expect(fixture.entra.requests.isEmpty)
            #expect(await fixture.openAI.requests.isEmpty)
            fixture.expectNoSecrets(in: report.allText)
        }
    }

    @Test func federatedSubjectMismatchShowsBothIssuerSubjectPairs() async throws {
        try await DoctorFixture.with(subject: "default") { fixture in
            let report = try await fixture.run(fixture.environment)

            #expect(report.exitCode == 1)
            let identity = try #require(report.step(.identity))
            #expect(identity.status == .failed)
            #expect(identity.summary.contains("WorkloadIdentityCredential is configured but failed"))
            #expect(identity.summary.contains("AADSTS70021"))
            #expect(identity.fixes.first?.contains("federated credential match the projected token") == true)

            let projected = try #require(report.step(.projectedToken))
            #expect(projected.status == .failed)
            #expect(projected.summary.contains("AADSTS70021"))
            let presented = "issuer '\(DoctorFixture.issuer)', subject 'system:serviceaccount:chat:default'"
            #expect(projected.notes.contains { $0.hasPrefix("the token in the file presents:") && $0.contains(presented) })
            #expect(projected.notes.contains { $0.hasPrefix("Microsoft Entra ID says it was shown:") && $0.contains(presented) })
            #expect(projected.notes.contains { $0.contains("must have exactly: \(presented)") && $0.contains(DoctorFixture.clientID) })
            #expect(projected.fixes.contains {
                $0.contains("az identity federated-credential create") && $0.contains("--issuer '\(DoctorFixture.issuer)'")
                    && $0.contains("--subject 'system:serviceaccount:chat:default'") && $0.contains("--audience api://AzureADTokenExchange")
            })
            // The library warns about the default service account too.
            #expect(projected.notes.contains { $0.contains("'default' service account") })
            #expect(report.step(.azureOpenAI)?.status == .skipped)
            #expect(await fixture.openAI.requests.isEmpty)
            fixture.expectNoSecrets(in: report.allText)
        }
    }

    @Test func permissionDeniedNamesThePrincipalTheRoleAndTheDelay() async throws {
        var options = FakeAzureOpenAI.Options(chunkDelay: .zero)
        options.openAIUserObjectIDs = ["99999999-9999-9999-9999-999999999999"]
        try await DoctorFixture.with(openAIOptions: options) { fixture in
            let report = try await fixture.run(fixture.environment)

            #expect(report.exitCode == 1)
            #expect(report.step(.accessToken)?.status == .ok)
            let call = try #require(report.step(.azureOpenAI))
            #expect(call.status == .failed)
            #expect(call.summary.contains("401 PermissionDenied"))
            #expect(call.summary.contains(DoctorFixture.principal))
            #expect(call.fixes.contains {
                $0.contains(#"az role assignment create --assignee \#(DoctorFixture.principal) --role "Cognitive Services OpenAI User" --scope /subscriptions/<subscription id>/resourceGroups/<resource group>/providers/Microsoft.CognitiveServices/accounts/<resource name>"#)
            })
            #expect(call.fixes.contains { $0.contains("up to 30 minutes") })
            #expect(call.facts.contains(DoctorFact("HTTP status", "401")))
            #expect(await fixture.openAI.requests.allSatisfy { $0.status == 401 })
            fixture.expectNoSecrets(in: report.allText)
        }
    }

    @Test func deploymentNotFoundNamesTheDeployment() async throws {
        try await DoctorFixture.with { fixture in
            var environment = fixture.environment
            environment["DEPLOYMENT_NAME"] = "gpt-4o-typo"
            let report = try await fixture.run(environment)

            #expect(report.exitCode == 1)
            let call = try #require(report.step(.azureOpenAI))
            #expect(call.status == .failed)
            #expect(call.summary.contains("404 DeploymentNotFound"))
            #expect(call.summary.contains("'gpt-4o-typo' (DEPLOYMENT_NAME)"))
            #expect(call.summary.contains("less than 5 minutes ago"))
            #expect(call.fixes.contains { $0.contains("az cognitiveservices account deployment list") })
            #expect(await fixture.openAI.requests.map(\.deployment) == ["gpt-4o-typo"])
        }
    }

    @Test func noCallSendsNothingToAzureOpenAI() async throws {
        try await DoctorFixture.with { fixture in
            let report = try await fixture.run(fixture.environment, call: false)

            #expect(report.exitCode == 0)
            #expect(report.step(.accessToken)?.status == .ok)
            let call = try #require(report.step(.azureOpenAI))
            #expect(call.status == .skipped)
            #expect(call.summary.contains("--no-call"))
            #expect(await fixture.openAI.requests.isEmpty)
            #expect(report.render().contains("– Azure OpenAI: not sent (--no-call)."))
        }
    }

    @Test func jsonParsesRoundTripsAndHoldsNoToken() async throws {
        try await DoctorFixture.with { fixture in
            let report = try await fixture.run(fixture.environment)
            let data = try report.jsonData()
            let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
            #expect(object["ok"] as? Bool == true)
            #expect(object["exit_code"] as? Int == 0)
            #expect(object["selected_credential"] as? String == "WorkloadIdentityCredential")
            #expect(object["principal_object_id"] as? String == DoctorFixture.principal)
            let steps = try #require(object["steps"] as? [[String: Any]])
            #expect(steps.map { $0["id"] as? String } == ["configuration", "identity", "projected_token", "access_token", "azure_openai", "session_store"])
            #expect(steps.allSatisfy { $0["status"] as? String == "ok" })
            let chain = try #require(steps[1]["chain"] as? [[String: Any]])
            #expect(chain.contains { $0["credential"] as? String == "WorkloadIdentityCredential" && $0["outcome"] as? String == "succeeded" })
            #expect(try DoctorReport.decode(json: data) == report)
            fixture.expectNoSecrets(in: String(decoding: data, as: UTF8.self))
        }
    }

    @Test func bareUnauthorizedWithEntraPointsAtTheCustomSubdomainEndpoint() async throws {
        try await DoctorFixture.with(openAIOptions: .init(bearerTokenValidator: { _ in false }, chunkDelay: .zero)) { fixture in
            let report = try await fixture.run(fixture.environment)
            let call = try #require(report.step(.azureOpenAI))
            #expect(call.status == .failed)
            #expect(call.summary.contains("not a missing role"))
            #expect(call.fixes.first?.contains("custom-subdomain endpoint, https://<resource name>.openai.azure.com") == true)
            #expect(call.fixes.contains { $0.contains("audience is https://cognitiveservices.azure.com") })
        }
    }

    @Test func wrongEndpointPathIsExplainedAsWrongEndpointOrVersion() async throws {
        try await DoctorFixture.with { fixture in
            var environment = fixture.environment
            // A common slip: the endpoint copied with "/openai" on it.
            environment["OPENAI_API_BASE"] = fixture.openAI.endpoint + "/openai"
            let report = try await fixture.run(environment)
            let call = try #require(report.step(.azureOpenAI))
            #expect(call.status == .failed)
            #expect(call.summary.contains("404 Resource not found"))
            #expect(call.fixes.first?.contains("nothing after the host") == true)
            #expect(call.fixes.first?.contains("now '2024-10-21'") == true)
        }
    }

    @Test func unreachableEndpointIsANetworkProblem() async throws {
        try await DoctorFixture.with { fixture in
            var environment = fixture.environment
            environment["OPENAI_API_BASE"] = DoctorFixture.closedPort
            let report = try await fixture.run(environment)
            let call = try #require(report.step(.azureOpenAI))
            #expect(call.status == .failed)
            #expect(call.summary.hasPrefix("could not reach 127.0.0.1"))
            #expect(call.fixes.first?.contains("nslookup 127.0.0.1") == true)
        }
    }

    @Test func azNotLoggedInLocallySaysRunAzLogin() async throws {
        try await DoctorFixture.with { fixture in
            try fixture.installExecutable("az", script: "#!/bin/sh\necho \"ERROR: Please run 'az login' to setup account.\" >&2\nexit 1\n")
            // A laptop: no Kubernetes, no workload identity; only the closed loopback port stands in for IMDS.
            let environment = [
                "OPENAI_API_BASE": fixture.openAI.endpoint, "DEPLOYMENT_NAME": "gpt-35-turbo",
                "AZURE_POD_IDENTITY_AUTHORITY_HOST": DoctorFixture.closedPort,
                "PATH": fixture.environment["PATH"]!, "HOME": fixture.folder.path,
            ]
            let report = try await fixture.run(environment)
            #expect(report.exitCode == 1)
            let identity = try #require(report.step(.identity))
            #expect(identity.status == .failed)
            #expect(identity.notes.contains { $0.hasPrefix("– AzureCliCredential: unavailable:") && $0.contains("not logged in") })
            #expect(identity.fixes.first?.hasPrefix("run `az login`") == true)
            #expect(report.step(.projectedToken)?.summary.contains("not in use") == true)
            #expect(await fixture.openAI.requests.isEmpty)
        }
    }

    @Test func azLoggedInWithATokenForAnotherAudienceIsAWarning() async throws {
        try await DoctorFixture.with { fixture in
            // What a wrapper around az might hand out: a management-plane token for a user.
            let token = TestJWT.accessToken(objectID: "cccccccc-0000-1111-2222-dddddddddddd", audience: "https://management.azure.com/",
                                            issuedAt: fixture.clock.now())
            let expiresOn = Int(fixture.clock.now().timeIntervalSince1970) + 3600
            // Only shell builtins: PATH holds nothing but this script.
            try fixture.installExecutable("az", script: """
                #!/bin/sh
                printf '%s\\n' '{"accessToken": "\(token)", "expiresOn": "2030-01-01 10:00:00.000000", "expires_on": \(expiresOn), "subscription": "11111111-1111-1111-1111-111111111111", "tenant": "00000000-0000-0000-0000-000000000000", "tokenType": "Bearer"}'

                """)
            let environment = [
                "OPENAI_API_BASE": fixture.openAI.endpoint, "DEPLOYMENT_NAME": "gpt-35-turbo",
                "AZURE_TOKEN_CREDENTIALS": "dev",
                "PATH": fixture.environment["PATH"]!, "HOME": fixture.folder.path,
            ]
            let report = try await fixture.run(environment, call: false)
            #expect(report.selectedCredential == "AzureCliCredential", "\(report.render())")
            #expect(report.step(.projectedToken)?.status == .skipped)
            let access = try #require(report.step(.accessToken))
            #expect(access.status == .warning)
            #expect(access.facts.contains(DoctorFact("principal object ID (oid)", "cccccccc-0000-1111-2222-dddddddddddd")))
            #expect(access.notes.first?.contains("'https://management.azure.com/', not https://cognitiveservices.azure.com") == true)
            #expect(report.exitCode == 0)
            #expect(!report.allText.contains(token))
            #expect(fixture.logs.lines(containing: token).isEmpty)
        }
    }

    @Test func apiKeySkipsTheIdentityStepsAndStillCalls() async throws {
        try await DoctorFixture.with(openAIOptions: .init(apiKey: "doctor-key-0123456789", chunkDelay: .zero)) { fixture in
            let environment = [
                "OPENAI_API_BASE": fixture.openAI.endpoint, "DEPLOYMENT_NAME": "gpt-35-turbo",
                "OPENAI_API_KEY": "doctor-key-0123456789",
            ]
            let report = try await fixture.run(environment)
            #expect(report.exitCode == 0, "\(report.render())")
            #expect(report.authentication == "azure")
            #expect(report.step(.identity)?.status == .skipped)
            #expect(report.step(.identity)?.summary.contains("API-key authentication") == true)
            #expect(report.step(.projectedToken)?.status == .skipped)
            #expect(report.step(.accessToken)?.status == .skipped)
            #expect(report.step(.azureOpenAI)?.status == .ok)
            #expect(await fixture.openAI.requests.map(\.authKind) == [.apiKey])
            #expect(!report.allText.contains("doctor-key-0123456789"))
            #expect(fixture.logs.lines(containing: "doctor-key-0123456789").isEmpty)

            var wrongKey = environment
            wrongKey["OPENAI_API_KEY"] = "wrong-key-0123456789"
            let rejected = try await fixture.run(wrongKey)
            #expect(rejected.exitCode == 1)
            #expect(rejected.step(.azureOpenAI)?.summary == "401: Azure OpenAI rejected the API key.")
            #expect(!rejected.allText.contains("wrong-key-0123456789"))
        }
    }

    @Test func offlineModeHasNothingToCheckAndSaysHowToConfigure() async throws {
        try await DoctorFixture.with { fixture in
            let report = try await fixture.run(["PATH": fixture.environment["PATH"]!])
            #expect(report.exitCode == 0)
            #expect(report.mode == "offline")
            #expect(report.step(.configuration)?.summary.hasPrefix("offline mode") == true)
            #expect(report.step(.configuration)?.notes.first?.contains("OPENAI_API_BASE=https://<resource>.openai.azure.com") == true)
            // Every model step is skipped; the in-memory session store needs nothing.
            #expect(report.steps.dropFirst().filter { $0.id != .sessionStore }.allSatisfy { $0.status == .skipped })
            #expect(report.step(.sessionStore)?.status == .ok)
            #expect(fixture.entra.requests.isEmpty)
            #expect(await fixture.openAI.requests.isEmpty)
        }
    }

    @Test func invalidTokenCredentialsIsTheSameSettingsErrorAsServe() async throws {
        try await DoctorFixture.with { fixture in
            var environment = fixture.environment
            environment["AZURE_TOKEN_CREDENTIALS"] = "everything"
            await #expect(throws: SettingsError.self) { _ = try await fixture.run(environment) }
            #expect(fixture.entra.requests.isEmpty)
        }
    }

    @Test func regionalEndpointWithEntraIsFlaggedInTheConfiguration() async throws {
        try await DoctorFixture.with { fixture in
            var environment = fixture.environment
            // Never contacted: --no-call, and the chain only talks to the fake Entra.
            environment["OPENAI_API_BASE"] = "https://eastus.api.cognitive.microsoft.com/"
            environment["AZURE_TOKEN_CREDENTIALS"] = "WorkloadIdentityCredential"
            let report = try await fixture.run(environment, call: false)
            let configuration = try #require(report.step(.configuration))
            #expect(configuration.status == .warning)
            #expect(configuration.notes.first?.contains("eastus.api.cognitive.microsoft.com is a regional endpoint") == true)
            #expect(configuration.fixes.first?.contains("https://<resource name>.openai.azure.com") == true)
            #expect(report.exitCode == 0)
            #expect(report.render().contains("Result: works, with warnings (Configuration)."))
        }
    }
}
