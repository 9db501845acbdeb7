import Foundation

/// What the doctor can tell from the Azure OpenAI endpoint's host alone.
struct DoctorEndpoint: Sendable, Equatable {
    let url: String
    let host: String

    init(_ url: String) {
        self.url = url
        host = URL(string: url)?.host?.lowercased() ?? ""
    }

    /// `https://<region>.api.cognitive.microsoft.com`: a shared regional endpoint. It accepts API
    /// keys but not Microsoft Entra tokens, which need the resource's custom subdomain
    /// (Microsoft Learn, "Authenticate with Microsoft Entra ID" / "Custom subdomain names", 2026).
    var isRegional: Bool { host.hasSuffix(".api.cognitive.microsoft.com") }

    /// The resource's name when the host is one of its custom-subdomain forms
    /// (`<name>.openai.azure.com`, `<name>.cognitiveservices.azure.com`, `<name>.services.ai.azure.com`).
    var resourceName: String? {
        for suffix in [".openai.azure.com", ".cognitiveservices.azure.com", ".services.ai.azure.com"] where host.hasSuffix(suffix) {
            let name = String(host.dropLast(suffix.count))
            if !name.isEmpty, !name.contains(".") { return name }
        }
        return nil
    }

    /// The resource name for commands, or a placeholder.
    var resourceNameOrPlaceholder: String { resourceName ?? "<resource name>" }

    /// The Azure OpenAI resource's ID as `az role assignment create --scope` wants it, with
    /// placeholders for what the endpoint cannot tell.
    var resourceIDPlaceholder: String {
        "/subscriptions/<subscription id>/resourceGroups/<resource group>/providers/Microsoft.CognitiveServices/accounts/\(resourceNameOrPlaceholder)"
    }
}
