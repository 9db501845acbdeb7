import Foundation
import Logging
import ParleyIdentity
import ParleyOutbound
import ParleyServer

/// The sign-in step (issue 13), only with PARLEY_AUTH=entra: the tenant's discovery document
/// answers, the redirect URI is https (or loopback), and the token endpoint accepts Parley's
/// client credential for PARLEY_AUTH_CLIENT_ID — a client-credentials request for
/// `{client id}/.default` with the projected token as assertion, which proves the app
/// registration's federated credential matches it, before anyone tries to sign in.
struct DoctorSignInCheck {
    static let title = "Sign-in"

    let settings: ParleySettings
    let httpClient: OutboundHTTPClient
    let logger: Logger
    let now: @Sendable () -> Date
    let identity: IdentityOptions

    func step() async -> DoctorStep? {
        guard settings.signIn.mode == .entra, let configuration = settings.signIn.openID else { return nil }
        var facts = [
            DoctorFact("client id", configuration.clientID),
            DoctorFact("redirect URI", configuration.redirectURI),
            DoctorFact("discovery", configuration.discoveryURL),
            DoctorFact("client credential", configuration.clientSecret == nil
                ? "federated credential (AZURE_FEDERATED_TOKEN_FILE, no secret)" : "PARLEY_AUTH_CLIENT_SECRET (set, hidden)"),
            DoctorFact("allowed", configuration.allowedGroups.isEmpty ? "everyone in the tenant" : configuration.allowedGroups.joined(separator: ", ")),
        ]
        if configuration.clientSecret == nil, let path = configuration.federatedTokenFile,
           let text = try? String(contentsOfFile: path, encoding: .utf8),
           let claims = try? ProjectedTokenClaims(jwt: text.trimmingCharacters(in: .whitespacesAndNewlines)) {
            facts.append(DoctorFact("assertion issuer", claims.issuer ?? "?"))
            facts.append(DoctorFact("assertion subject", claims.subject ?? "?"))
        }
        var notes: [String] = []
        if settings.signIn.isLoopbackHTTP {
            notes.append("The redirect URI is plain http on loopback: fine on a laptop; a cluster needs https (see README \"Sign-in\").")
        }
        let client = OpenIDClient(configuration: configuration, httpClient: httpClient, logger: logger, now: now, options: identity)
        do {
            let document = try await client.discoveryDocument()
            facts.append(DoctorFact("issuer", document.issuer))
        } catch let error as SignInError {
            return DoctorStep(id: .signIn, title: Self.title, status: .failed, summary: "the tenant's OpenID discovery document cannot be used.",
                              facts: facts, notes: notes + [error.reason],
                              fixes: ["Check AZURE_TENANT_ID and AZURE_AUTHORITY_HOST, and that the pod can reach \(configuration.authority)."])
        } catch {
            return DoctorStep(id: .signIn, title: Self.title, status: .failed, summary: "the discovery document could not be fetched.", facts: facts, notes: notes)
        }
        do {
            try await client.checkClientCredential()
        } catch let error as SignInError {
            return DoctorStep(id: .signIn, title: Self.title, status: .failed,
                              summary: "Entra does not accept Parley's client credential for the app registration \(configuration.clientID).",
                              facts: facts, notes: notes + [error.reason], fixes: Self.fixes(for: error.reason, configuration: configuration))
        } catch {
            return DoctorStep(id: .signIn, title: Self.title, status: .failed, summary: "the client credential could not be checked.", facts: facts, notes: notes)
        }
        return DoctorStep(id: .signIn, title: Self.title, status: .ok,
                          summary: "Entra accepts Parley's client credential; people can sign in at \(settings.signIn.publicURL)/auth/login.",
                          facts: facts, notes: notes)
    }

    static func fixes(for reason: String, configuration: SignInConfiguration) -> [String] {
        let codes = DoctorFormatting.entraCodes(in: reason)
        if codes.contains(where: [70021, 700211, 700212, 700213].contains) {
            return ["Add a federated credential to the app registration: az ad app federated-credential create --id \(configuration.clientID) --parameters '{\"name\":\"parley\",\"issuer\":\"<az aks show --query oidcIssuerProfile.issuerUrl>\",\"subject\":\"system:serviceaccount:<namespace>:<service account>\",\"audiences\":[\"api://AzureADTokenExchange\"]}'"]
        }
        if codes.contains(700016) {
            return ["Set PARLEY_AUTH_CLIENT_ID to the app registration's Application (client) ID: az ad app list --display-name parley --query '[].appId'."]
        }
        return []
    }
}
