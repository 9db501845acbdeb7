import Foundation
import ParleyDoctor
import ParleyServer
import ParleyTestSupport
import Testing

/// The doctor asks for, and checks the audience of, the Azure OpenAI scope of the configured cloud
/// (issue 10): AZURE_OPENAI_SCOPE here, since the authority itself must stay a loopback fake.
@Suite struct DoctorCloudTests {
    func run(_ fixture: DoctorFixture, audience: String, scope: String) async throws -> (DoctorReport, String) {
        let token = TestJWT.accessToken(audience: audience, issuedAt: fixture.clock.now())
        let expiresOn = Int(fixture.clock.now().timeIntervalSince1970) + 3600
        let record = fixture.folder.appendingPathComponent("az-argv").path
        try fixture.installExecutable("az", script: """
            #!/bin/sh
            printf '%s\\n' "$@" > '\(record)'
            printf '%s\\n' '{"accessToken": "\(token)", "expires_on": \(expiresOn), "tokenType": "Bearer"}'

            """)
        let environment = [
            "OPENAI_API_BASE": fixture.openAI.endpoint, "DEPLOYMENT_NAME": "gpt-35-turbo",
            "AZURE_TOKEN_CREDENTIALS": "AzureCliCredential", "AZURE_OPENAI_SCOPE": scope,
            "PATH": fixture.environment["PATH"]!, "HOME": fixture.folder.path,
        ]
        let report = try await fixture.run(environment, call: false)
        #expect(!report.allText.contains(token))
        return (report, (try? String(contentsOfFile: record, encoding: .utf8)) ?? "")
    }

    @Test func aUSGovernmentTokenMatchesTheUSGovernmentScope() async throws {
        try await DoctorFixture.with { fixture in
            let (report, argv) = try await run(fixture, audience: "https://cognitiveservices.azure.us", scope: "https://cognitiveservices.azure.us/.default")
            #expect(argv.contains("https://cognitiveservices.azure.us\n"), "\(argv)")
            #expect(report.step(.identity)?.summary.contains("https://cognitiveservices.azure.us/.default") == true)
            #expect(report.step(.accessToken)?.status == .ok, "\(report.render())")
        }
    }

    @Test func aPublicCloudTokenIsAWarningWhenTheScopeIsUSGovernment() async throws {
        try await DoctorFixture.with { fixture in
            let (report, _) = try await run(fixture, audience: "https://cognitiveservices.azure.com", scope: "https://cognitiveservices.azure.us/.default")
            let access = try #require(report.step(.accessToken))
            #expect(access.status == .warning, "\(report.render())")
            #expect(access.notes.first?.contains("not https://cognitiveservices.azure.us") == true)
            #expect(access.fixes.contains { $0.contains("https://cognitiveservices.azure.us/.default") })
        }
    }
}
