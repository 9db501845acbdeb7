/// What to check for the AADSTS codes people actually hit with workload identity, managed
/// identity and client secrets. Sources: identity.md §9.1 (azure-workload-identity
/// troubleshooting.md, azure-sdk TROUBLESHOOTING.md files, the issues cited there; 2026).
public enum EntraErrorExplanation {
    /// Context that makes a hint concrete; every field is optional and none is secret.
    public struct Context: Sendable {
        public var clientID: String?
        public var tenantID: String?
        public var authorityHost: String?
        /// Claims of the projected service-account token that was presented, for 70021 & co.
        public var assertion: ProjectedTokenClaims?
        /// True when the 700024 path already re-read the token file and retried.
        public var retriedAfterReread: Bool

        public init(clientID: String? = nil, tenantID: String? = nil, authorityHost: String? = nil,
                    assertion: ProjectedTokenClaims? = nil, retriedAfterReread: Bool = false) {
            self.clientID = clientID
            self.tenantID = tenantID
            self.authorityHost = authorityHost
            self.assertion = assertion
            self.retriedAfterReread = retriedAfterReread
        }
    }

    /// A sentence saying what to check for the first code we know, or nil.
    public static func hint(for codes: [Int], description: String = "", context: Context = .init()) -> String? {
        for code in codes {
            if let hint = hint(for: code, description: description, context: context) { return hint }
        }
        return nil
    }

    static func hint(for code: Int, description: String, context: Context) -> String? {
        let client = context.clientID.map { "'\($0)'" } ?? "AZURE_CLIENT_ID"
        switch code {
        case 70021, 700211, 700212, 700213:
            var text = "The federated identity credential on the identity with client ID \(client) does not match the projected service-account token: its issuer, subject and audience must equal the token's exactly (case-sensitive, including the trailing '/' of the issuer)."
            if let claims = context.assertion {
                text += " The token presented has issuer '\(claims.issuer ?? "?")', subject '\(claims.subject ?? "?")' and audience '\(claims.audiences.joined(separator: ", "))'."
            }
            if code == 700212, description.contains("api://AKSIdentityBinding") {
                text += " The audience api://AKSIdentityBinding means the pod uses AKS identity bindings, which Parley does not support; use a plain workload-identity federated credential."
            } else {
                text += " Check with `az identity federated-credential list` (issuer = `az aks show --query oidcIssuerProfile.issuerUrl`, subject = system:serviceaccount:<namespace>:<service account>, audience = api://AzureADTokenExchange), that the pod runs under that service account, and allow a few minutes after creating the credential."
            }
            return text
        case 700016:
            return "No application with client ID \(client) exists in tenant '\(context.tenantID ?? "AZURE_TENANT_ID")'. AZURE_CLIENT_ID must be the identity's client (application) ID, not its object or resource ID; check the service-account annotation azure.workload.identity/client-id, and azure.workload.identity/tenant-id if the identity lives in another tenant."
        case 700024:
            let retried = context.retriedAfterReread ? " Parley re-read the token file and retried once, and Entra still rejected it." : ""
            return "The client assertion (the projected service-account token) is expired or not yet valid.\(retried) Check that the kubelet rotates the token file (the projected volume is mounted and not copied), and that the node's clock is right."
        case 70023:
            return "The client assertion lives longer than Entra accepts (25 h) or has no 'iat' claim. Use the projected token the workload-identity webhook mounts (expirationSeconds 3600–86400), not the legacy service-account token."
        case 90002, 900023:
            return "Tenant '\(context.tenantID ?? "AZURE_TENANT_ID")' was not found. Check AZURE_TENANT_ID (a GUID or a verified domain) and that AZURE_AUTHORITY_HOST is the right cloud ('\(context.authorityHost ?? "https://login.microsoftonline.com")')."
        case 90061:
            return "Entra could not fetch the cluster's OIDC discovery document or keys. Check that the cluster's OIDC issuer is enabled and published (`az aks update --enable-oidc-issuer`, then `curl <issuer>.well-known/openid-configuration`)."
        case 700027:
            return "The client assertion's signature does not match the cluster's published keys. On self-managed clusters republish the JWKS after rotating the service-account signing key."
        case 50027:
            return "The client assertion is not a valid JWT. Check that AZURE_FEDERATED_TOKEN_FILE points at the projected service-account token and that the file is not empty or truncated."
        case 7000215:
            return "The client secret is invalid. Set AZURE_CLIENT_SECRET to the secret's value (not its ID) for the app with client ID \(client)."
        case 7000222:
            return "The client secret has expired. Create a new secret for the app with client ID \(client) and update AZURE_CLIENT_SECRET."
        case 1002012, 70011:
            return "The scope is invalid: client-credential flows need the resource followed by '/.default', e.g. https://cognitiveservices.azure.com/.default."
        // Sign-in (issue 13): the authorization-code redemption at /auth/callback.
        case 70008, 54005:
            return "The sign-in code expired or was already used; sign in again. If it happens every time, check that the server's clock is right and that only one request redeems each callback."
        case 501481, 50148:
            return "The PKCE code verifier does not match the challenge of this sign-in; the sign-in cookie probably came from another attempt. Sign in again in one tab."
        case 50011:
            return "The redirect URI is not registered on the app with client ID \(client). Add PARLEY_PUBLIC_URL + '/auth/callback' as a Web redirect URI (`az ad app update --web-redirect-uris`)."
        case 7000218:
            return "Entra expects a client credential for the app with client ID \(client): add a federated credential for Parley's service account (no secret), or on a laptop set PARLEY_AUTH_CLIENT_SECRET."
        case 700082:
            return "The Azure CLI's sign-in has expired. Run `az logout` and then `az login`."
        default:
            return nil
        }
    }
}
