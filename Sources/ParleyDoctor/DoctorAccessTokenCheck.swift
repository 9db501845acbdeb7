import Foundation
import ParleyIdentity

/// Step 4: the obtained access token's non-secret claims: which principal Parley acts as, for which
/// audience, until when. The token itself never leaves `IdentityDiagnostics`.
enum DoctorAccessTokenCheck {
    static let title = "Access token"

    static func skipped(_ why: String) -> DoctorStep {
        DoctorStep(id: .accessToken, title: title, status: .skipped, summary: why)
    }

    /// - Parameter scopes: the audience Azure OpenAI accepts is `scopes.openAIAudience` (the scope
    ///   without `/.default`), which follows the cloud of AZURE_AUTHORITY_HOST or AZURE_OPENAI_SCOPE.
    static func step(token: AccessToken, credential: String?, scopes: ServiceScopes, now: Date) -> DoctorStep {
        let expectedAudience = scopes.openAIAudience
        let report = IdentityDiagnostics.accessToken(token, now: now)
        var facts: [DoctorFact] = []
        if let credential { facts.append(DoctorFact("from", credential)) }
        guard let claims = report.claims else {
            facts.append(DoctorFact("expires", DoctorFormatting.expiry(report.expiresOn, now: now)))
            return DoctorStep(id: .accessToken, title: title, status: .warning,
                              summary: "a token was obtained, but \(report.problem ?? "its claims cannot be read").",
                              facts: facts)
        }
        facts.append(DoctorFact("principal object ID (oid)", claims.objectID ?? "(none)"))
        if let appID = claims.appID { facts.append(DoctorFact("client ID (appid)", appID)) }
        if let party = claims.authorizedParty { facts.append(DoctorFact("client ID (azp)", party)) }
        facts.append(DoctorFact("tenant (tid)", claims.tenantID ?? "(none)"))
        facts.append(DoctorFact("audience (aud)", claims.audiences.isEmpty ? "(none)" : claims.audiences.joined(separator: ", ")))
        if let type = claims.identityType { facts.append(DoctorFact("identity type (idtyp)", type)) }
        if let issuer = claims.issuer { facts.append(DoctorFact("issuer (iss)", issuer)) }
        facts.append(DoctorFact("expires", DoctorFormatting.expiry(report.expiresOn, now: now)))

        var step = DoctorStep(
            id: .accessToken, title: title, status: .ok,
            summary: "principal \(claims.objectID ?? "?")\(claims.clientID.map { " (client \($0))" } ?? "") in tenant \(claims.tenantID ?? "?"), \(DoctorFormatting.lifetime(report.secondsLeft)).",
            facts: facts)
        if !hasExpectedAudience(claims.audiences, expected: expectedAudience) {
            step.status = .warning
            step.notes.append("⚠ the token's audience is '\(claims.audiences.joined(separator: ", "))', not \(expectedAudience): Azure OpenAI will answer 401.")
            step.fixes.append("the token must be requested for \(scopes.openAI); check that nothing (a proxy, a wrapper around az) hands out tokens for another resource.")
        }
        return step
    }

    static func hasExpectedAudience(_ audiences: [String], expected: String) -> Bool {
        audiences.contains { $0 == expected || $0 == expected + "/" }
    }
}
