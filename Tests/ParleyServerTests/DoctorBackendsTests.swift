import Foundation
import ParleyDoctor
import ParleyTestSupport
import Testing

/// `parley doctor` with PARLEY_BACKENDS_FILE (issue 15): every backend gets its credential and one
/// tiny call, shown as a table.
@Suite("parley doctor with several backends")
struct DoctorBackendsTests {
    static let westKey = "doctor-west-key-0123456789"

    @Test func everyBackendIsCheckedAndShownInATable() async throws {
        try await DoctorFixture.with { fixture in
            let west = try await FakeAzureOpenAI.start(options: .init(deployments: ["gpt-35-turbo"], apiKey: Self.westKey, chunkDelay: .zero))
            let file = fixture.folder.appendingPathComponent("backends.json")
            try """
                {"deployments": {"gpt-35-turbo": [
                   {"endpoint": "\(fixture.openAI.endpoint)"},
                   {"endpoint": "\(west.endpoint)", "priority": 2, "api_key_env": "WEST_KEY"},
                   {"endpoint": "\(fixture.openAI.endpoint)", "deployment": "missing-one", "priority": 3}]}}
                """.write(to: file, atomically: true, encoding: .utf8)
            var environment = fixture.environment
            environment["OPENAI_API_BASE"] = nil
            environment["DEPLOYMENT_NAME"] = nil
            environment["PARLEY_BACKENDS_FILE"] = file.path
            environment["WEST_KEY"] = Self.westKey

            let report = try await fixture.run(environment)
            let step = try #require(report.step(.backends), "\(report.render())")
            #expect(step.status == .failed)
            #expect(step.summary.hasPrefix("2 of 3 backends answered"))
            #expect(!report.ok)
            let table = step.notes
            #expect(table.count == 4)
            #expect(table[0].hasPrefix("deployment"))
            let eastHost = "127.0.0.1:\(fixture.openAI.port)"
            #expect(table[1].contains("\(eastHost)/gpt-35-turbo") && table[1].contains("Entra token") && table[1].contains("✔"))
            #expect(table[2].contains("127.0.0.1:\(west.port)/gpt-35-turbo") && table[2].contains("api key (WEST_KEY)") && table[2].contains("✔"))
            #expect(table[3].contains("\(eastHost)/missing-one") && table[3].contains("✘"))
            #expect(await west.requests.count == 1)
            #expect(await west.requests.first?.apiKey == Self.westKey)
            #expect(fixture.entra.issuer.issuedTokens.count == 1, "the identity step's token serves the Entra backends")
            let rendered = report.render()
            #expect(rendered.contains("Backends: 2 of 3 backends answered"))
            #expect(!rendered.contains(Self.westKey))
            fixture.expectNoSecrets(in: rendered)

            let requestsBefore = await west.requests.count
            let noCall = try await fixture.run(environment, call: false)
            #expect(noCall.step(.backends)?.status == .skipped)
            #expect(await west.requests.count == requestsBefore)
            try await west.shutdown()
        }
    }
}
