import Foundation
import ParleyDoctor
import Testing

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
