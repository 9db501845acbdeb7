import Foundation
import ParleyTestSupport
import Testing

/// `parley doctor` as a person runs it: the built binary, an environment the test constructs, a
/// temp working directory (so no `.env` is read), and the exit code.
@Suite("parley doctor as a process")
struct DoctorProcessTests {
    static var executable: URL { BuiltExecutable.parley }

    struct Outcome {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    static func doctor(_ arguments: [String], environment: [String: String], in directory: URL) async throws -> Outcome {
        let process = try LaunchedProcess(executable, arguments: ["doctor"] + arguments, environment: environment,
                                          directory: directory, standardOutput: .file, standardError: .file)
        if try await !process.waitForExit(timeout: .seconds(60)) { process.stop() }
        return Outcome(status: process.terminationStatus,
                       stdout: process.text(.standardOutput), stderr: process.text(.standardError))
    }

    @Test func exitCodesAreZeroWhenAllWorksOneWhenSomethingFailsTwoForABadSetting() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.executable.path), "parley not built at \(Self.executable.path)")
        // The binary's own clock is real, so the fakes use real time too.
        try await DoctorFixture.with { fixture in
            let directory = fixture.folder

            let good = try await Self.doctor([], environment: fixture.environment, in: directory)
            #expect(good.status == 0, "\(good.stdout)\(good.stderr)")
            #expect(good.stdout.hasPrefix("parley doctor\n"))
            #expect(good.stdout.contains("✔ Identity: WorkloadIdentityCredential got a token"))
            #expect(good.stdout.contains("✔ Azure OpenAI: deployment 'gpt-35-turbo' answered in"))

            var missingDeployment = fixture.environment
            missingDeployment["DEPLOYMENT_NAME"] = "no-such-deployment"
            let failed = try await Self.doctor(["--json"], environment: missingDeployment, in: directory)
            #expect(failed.status == 1, "\(failed.stdout)\(failed.stderr)")
            let object = try #require(try JSONSerialization.jsonObject(with: Data(failed.stdout.utf8)) as? [String: Any])
            #expect(object["ok"] as? Bool == false)
            #expect(object["exit_code"] as? Int == 1)

            let requestsBefore = await fixture.openAI.requests.count
            let noCall = try await Self.doctor(["--no-call"], environment: missingDeployment, in: directory)
            #expect(noCall.status == 0, "\(noCall.stdout)\(noCall.stderr)")
            #expect(await fixture.openAI.requests.count == requestsBefore)

            var badSetting = fixture.environment
            badSetting["AZURE_TOKEN_CREDENTIALS"] = "everything"
            let bad = try await Self.doctor([], environment: badSetting, in: directory)
            #expect(bad.status == 2)
            #expect(bad.stdout.isEmpty)
            #expect(bad.stderr.hasPrefix("parley: configuration error: AZURE_TOKEN_CREDENTIALS:"))
            #expect(bad.stderr.split(separator: "\n").count == 1)

            for output in [good, failed, noCall, bad] {
                for secret in fixture.secrets {
                    #expect(!output.stdout.contains(secret) && !output.stderr.contains(secret), "a token reached the output")
                }
            }
        }
    }
}
