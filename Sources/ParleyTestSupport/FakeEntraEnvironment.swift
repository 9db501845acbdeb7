/// Environment dictionaries that point every identity endpoint at a running `FakeEntra`, so a
/// test that builds the credential chain cannot reach 169.254.169.254 or login.microsoftonline.com.
extension FakeEntra {
    public static let defaultClientID = "66666666-6666-6666-6666-666666666666"
    public static let defaultTenantID = "00000000-0000-0000-0000-000000000000"

    /// Entra and IMDS both on this fake; nothing else set.
    public var loopbackEnvironment: [String: String] {
        ["AZURE_AUTHORITY_HOST": baseURL, "AZURE_POD_IDENTITY_AUTHORITY_HOST": baseURL]
    }

    /// A pod as the workload-identity webhook leaves it (identity.md §1.1), with the authority on
    /// this fake. Write the projected token to `tokenFile` with `TestJWT.serviceAccountToken()`;
    /// leave `clientID` nil to model a service account without the
    /// `azure.workload.identity/client-id` annotation.
    ///
    /// Inside Kubernetes `AZURE_POD_IDENTITY_AUTHORITY_HOST` is left unset: the chain skips
    /// managed identity in a pod (so nothing reaches IMDS), and setting it would opt managed
    /// identity back in. Outside Kubernetes it points IMDS at this fake.
    public func workloadIdentityEnvironment(tokenFile: String, clientID: String? = FakeEntra.defaultClientID,
                                            tenantID: String = FakeEntra.defaultTenantID,
                                            insideKubernetes: Bool = true) -> [String: String] {
        var environment = loopbackEnvironment
        if insideKubernetes { environment["AZURE_POD_IDENTITY_AUTHORITY_HOST"] = nil }
        environment["AZURE_AUTHORITY_HOST"] = baseURL + "/"  // the webhook's trailing slash
        environment["AZURE_TENANT_ID"] = tenantID
        environment["AZURE_FEDERATED_TOKEN_FILE"] = tokenFile
        if let clientID { environment["AZURE_CLIENT_ID"] = clientID }
        if insideKubernetes { environment["KUBERNETES_SERVICE_HOST"] = "10.0.0.1" }
        return environment
    }
}
