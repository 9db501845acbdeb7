/// The workload-identity settings the AKS webhook injects (identity.md §1.1), read from an
/// environment dictionary, with a plain explanation of whatever is missing.
public struct WorkloadIdentityConfiguration: Sendable, Equatable {
    public var clientID: String?
    public var tenantID: String?
    public var tokenFilePath: String?
    public var authorityHost: AuthorityHost
    /// `KUBERNETES_SERVICE_HOST` is set: we run in a pod, so missing variables mean a missing pod
    /// label or service-account annotation, and IMDS would be the node's identity.
    public var insideKubernetes: Bool

    public init(clientID: String?, tenantID: String?, tokenFilePath: String?,
                authorityHost: AuthorityHost = .publicCloud, insideKubernetes: Bool = false) {
        self.clientID = clientID
        self.tenantID = tenantID
        self.tokenFilePath = tokenFilePath
        self.authorityHost = authorityHost
        self.insideKubernetes = insideKubernetes
    }

    /// - Throws: `IdentityConfigurationError` when `AZURE_AUTHORITY_HOST` is not https (or loopback http).
    public init(environment: [String: String]) throws {
        self.init(
            clientID: IdentityEnvironment.value(IdentityEnvironment.clientID, in: environment),
            tenantID: IdentityEnvironment.value(IdentityEnvironment.tenantID, in: environment),
            tokenFilePath: IdentityEnvironment.value(IdentityEnvironment.federatedTokenFile, in: environment),
            authorityHost: try AuthorityHost(environment[IdentityEnvironment.authorityHost]),
            insideKubernetes: IdentityEnvironment.value(IdentityEnvironment.kubernetesServiceHost, in: environment) != nil
        )
    }

    /// The required variables that are not set, in a fixed order.
    public var missingVariables: [String] {
        [(IdentityEnvironment.clientID, clientID), (IdentityEnvironment.tenantID, tenantID),
         (IdentityEnvironment.federatedTokenFile, tokenFilePath)]
            .filter { $0.1 == nil }.map(\.0)
    }

    public var isComplete: Bool { missingVariables.isEmpty }

    /// Some but not all variables are set: someone meant to use workload identity.
    public var isPartial: Bool { !isComplete && missingVariables.count < 3 }

    /// Why workload identity cannot be used here, naming what is missing and where it comes from;
    /// nil when complete.
    public var unavailableReason: String? {
        let missing = missingVariables
        guard !missing.isEmpty else { return nil }
        var text = "workload identity is not configured: \(Self.list(missing)) \(missing.count == 1 ? "is" : "are") not set."
        guard insideKubernetes else {
            return text + " Outside Kubernetes set all three, or use another credential (e.g. `az login` for local development)."
        }
        let fileMissing = tokenFilePath == nil
        if fileMissing {
            text += " No projected service-account token is mounted, so the workload-identity webhook did not mutate this pod: add the label azure.workload.identity/use: \"true\" to the pod template (a pod label, not a service-account label) and recreate the pod; the webhook only acts when a pod is created and skips kube-system."
        }
        if clientID == nil {
            text += fileMissing
                ? " Also annotate the pod's service account with azure.workload.identity/client-id: <the identity's client ID>, or the webhook will not inject AZURE_CLIENT_ID."
                : " The webhook ran (it injected the token file) but the pod's service account has no annotation azure.workload.identity/client-id: add it with the identity's client ID and restart the pod."
        }
        if tenantID == nil, !fileMissing {
            text += " Annotate the service account with azure.workload.identity/tenant-id, or set AZURE_TENANT_ID in the webhook's configuration."
        }
        return text
    }

    static func list(_ names: [String]) -> String {
        switch names.count {
        case 0: ""
        case 1: names[0]
        default: names.dropLast().joined(separator: ", ") + " and " + names.last!
        }
    }
}
