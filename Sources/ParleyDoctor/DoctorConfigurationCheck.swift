import ParleyServer

/// Step 1: the configuration Parley would use (`ParleySettings.summary`, never a secret's value).
enum DoctorConfigurationCheck {
    static let title = "Configuration"

    static func step(settings: ParleySettings) -> DoctorStep {
        let facts = settings.summary.map { DoctorFact($0.0, $0.1) }
        guard let endpoint = settings.endpoint else {
            return DoctorStep(
                id: .configuration, title: title, status: .ok,
                summary: "offline mode: no Azure OpenAI endpoint is set, so Parley answers with its built-in offline responder and there is nothing to check.",
                facts: facts,
                notes: [
                    "To use Azure OpenAI, set OPENAI_API_BASE=https://<resource>.openai.azure.com and DEPLOYMENT_NAME=<deployment name> (in the environment or in .env),",
                    "then sign in: `az login` for local development, workload identity in AKS, or OPENAI_API_KEY for an API key. Run `parley doctor` again afterwards.",
                ])
        }
        let doctorEndpoint = DoctorEndpoint(endpoint)
        let how = settings.authentication == .entra ? "Microsoft Entra ID (keyless, OPENAI_API_TYPE=azure_ad)" : "an API key (OPENAI_API_TYPE=azure)"
        var step = DoctorStep(
            id: .configuration, title: title, status: .ok,
            summary: "Azure OpenAI at \(endpoint) with \(how), deployment '\(settings.defaultDeployment)'.",
            facts: facts)
        if settings.authentication == .entra, doctorEndpoint.isRegional {
            step.status = .warning
            step.notes.append("⚠ \(doctorEndpoint.host) is a regional endpoint: Azure OpenAI accepts Microsoft Entra tokens only at the resource's custom-subdomain endpoint, and answers 401 here.")
            step.fixes.append("set OPENAI_API_BASE to the resource's own endpoint, https://<resource name>.openai.azure.com (Azure portal → the resource → Keys and Endpoint, or `az cognitiveservices account show --name <resource name> --resource-group <resource group> --query properties.endpoint -o tsv`).")
        }
        return step
    }
}
