import ParleyDoctor
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

@Suite("parley doctor: the documents")
struct DoctorDocumentsTests {
    @Test func theFolderIsIndexedAndSkippedFilesAreNamed() async throws {
        let folder = try DocumentAnswerTests.Folder()
        defer { folder.remove() }
        try await DoctorFixture.with(openAIOptions: .init(apiKey: "doctor-key-0123456789", chunkDelay: .zero)) { fixture in
            let report = try await fixture.run(
                [
                    "OPENAI_API_BASE": fixture.openAI.endpoint, "DEPLOYMENT_NAME": "gpt-35-turbo", "OPENAI_API_KEY": "doctor-key-0123456789",
                    "PARLEY_DOCS_DIR": folder.docs.path,
                ],
                call: false)
            let step = try #require(report.step(.documents))
            #expect(step.status == .warning, "\(report.render())")
            #expect(step.summary.hasPrefix("2 file(s)"))
            #expect(step.facts.contains(DoctorFact("skipped", "2")))
            #expect(step.notes.contains { $0.hasPrefix("skipped blob.txt: binary") })
            #expect(report.exitCode == 0)
            #expect(!report.render().contains(DocumentAnswerTests.Folder.secret))
        }
    }

    @Test func withoutAFolderThereIsNoDocumentsStep() async throws {
        try await DoctorFixture.with(openAIOptions: .init(apiKey: "doctor-key-0123456789", chunkDelay: .zero)) { fixture in
            let report = try await fixture.run(
                ["OPENAI_API_BASE": fixture.openAI.endpoint, "DEPLOYMENT_NAME": "gpt-35-turbo", "OPENAI_API_KEY": "doctor-key-0123456789"],
                call: false)
            #expect(report.step(.documents) == nil)
        }
    }
}
