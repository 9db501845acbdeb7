import Foundation
import ParleyDoctor
import ParleyTestSupport
import Testing

/// `parley doctor`'s sign-in step (issue 13) against the fake Entra's OpenID provider.
@Suite struct DoctorSignInTests {
    static let appClientID = "77777777-7777-7777-7777-777777777777"

    static func signIn(_ fixture: DoctorFixture) -> [String: String] {
        fixture.environment.merging([
            "PARLEY_AUTH": "entra", "PARLEY_AUTH_CLIENT_ID": appClientID, "PARLEY_PUBLIC_URL": "https://parley.contoso.com",
        ]) { $1 }
    }

    @Test func aMatchingFederatedCredentialPasses() async throws {
        try await DoctorFixture.with { fixture in
            let report = try await fixture.run(Self.signIn(fixture), call: false)
            let step = try #require(report.steps.first { $0.id == .signIn })
            #expect(step.status == .ok, "\(step)")
            #expect(step.facts.contains(DoctorFact("assertion subject", DoctorFixture.federatedSubject)))
            #expect(step.facts.contains(DoctorFact("redirect URI", "https://parley.contoso.com/auth/callback")))
            let request = try #require(fixture.entra.requests.last { $0.form["scope"] == "\(Self.appClientID)/.default" })
            #expect(request.form["client_assertion"] == fixture.assertion)
            fixture.expectNoSecrets(in: report.allText)
        }
    }

    @Test func aMismatchedFederatedCredentialIsExplained() async throws {
        try await DoctorFixture.with(subject: "default") { fixture in
            let report = try await fixture.run(Self.signIn(fixture), call: false)
            let step = try #require(report.steps.first { $0.id == .signIn })
            #expect(step.status == .failed)
            #expect(step.notes.joined().contains("AADSTS70021"))
            #expect(step.fixes.joined().contains("az ad app federated-credential create"))
            fixture.expectNoSecrets(in: report.allText)
        }
    }

    @Test func noSignInStepWithoutSignIn() async throws {
        try await DoctorFixture.with { fixture in
            let report = try await fixture.run(fixture.environment, call: false)
            #expect(!report.steps.contains { $0.id == .signIn })
        }
    }
}
