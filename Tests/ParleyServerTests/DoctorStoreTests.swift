import Foundation
import ParleyTestSupport
import Testing

@Suite("parley doctor: the session store")
struct DoctorStoreTests {
    @Test func anUnreachableDatabaseFailsTheStepAndNamesTheHost() async throws {
        try await DoctorFixture.with(openAIOptions: .init(apiKey: "doctor-key-0123456789", chunkDelay: .zero)) { fixture in
            let environment = [
                "OPENAI_API_BASE": fixture.openAI.endpoint, "DEPLOYMENT_NAME": "gpt-35-turbo",
                "OPENAI_API_KEY": "doctor-key-0123456789",
                "PARLEY_SESSION_STORE": "postgres",
                // Nothing listens on port 9: the connection is refused.
                "PARLEY_POSTGRES_URL": "postgres://parley:db-secret-password@127.0.0.1:9/parley?sslmode=disable",
            ]
            let report = try await fixture.run(environment, call: false)
            let step = try #require(report.step(.sessionStore))
            #expect(step.status == .failed, "\(report.render())")
            #expect(report.exitCode == 1)
            #expect(report.render().contains("127.0.0.1"))
            #expect(!report.render().contains("db-secret-password"))
            #expect(!(String(data: try report.jsonData(), encoding: .utf8) ?? "").contains("db-secret-password"))
        }
    }

    @Test func theMemoryStoreNeedsNothing() async throws {
        try await DoctorFixture.with(openAIOptions: .init(apiKey: "doctor-key-0123456789", chunkDelay: .zero)) { fixture in
            let report = try await fixture.run(
                ["OPENAI_API_BASE": fixture.openAI.endpoint, "DEPLOYMENT_NAME": "gpt-35-turbo", "OPENAI_API_KEY": "doctor-key-0123456789"],
                call: false)
            #expect(report.step(.sessionStore)?.status == .ok)
            #expect(report.step(.sessionStore)?.summary.hasPrefix("memory") == true)
        }
    }
}
