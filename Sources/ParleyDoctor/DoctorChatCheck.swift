import ParleyServer
import AsyncHTTPClient
import ParleyOutbound
import Foundation
import Logging
import ParleyAzureOpenAI

/// Step 5: one tiny chat request to the default deployment through the real client (no retries,
/// a short timeout), and what a failure means for this setup.
struct DoctorChatCheck {
    static let title = "Azure OpenAI"

    /// The doctor's fixed question; the answer is read only until its first words arrive.
    static let messages = [
        ChatCompletionMessage(role: "system", content: "You are a connectivity check. Reply with the single word: pong."),
        ChatCompletionMessage(role: "user", content: "ping"),
    ]

    let settings: ParleySettings
    let endpoint: String
    let httpClient: OutboundHTTPClient
    let logger: Logger
    let timeout: Duration
    /// The deployment to ask (default: the settings' default deployment; a backend's own name with
    /// PARLEY_BACKENDS_FILE).
    var deployment: String? = nil

    static func skipped(_ why: String) -> DoctorStep {
        DoctorStep(id: .azureOpenAI, title: title, status: .skipped, summary: why)
    }

    /// Sends the request with `authenticator`; `principal` is the token's `oid` (Entra only).
    func step(authenticator: any AzureOpenAIAuthenticator, principal: String?) async -> DoctorStep {
        let configuration = AzureOpenAIConfiguration(
            endpoint: endpoint, apiVersion: settings.apiVersion, maxRetries: 0,
            connectTimeout: timeout, firstByteTimeout: timeout, requestTimeout: timeout)
        let client = AzureOpenAIClient(configuration: configuration, httpClient: httpClient, authenticator: authenticator, logger: logger)
        let deployment = self.deployment ?? settings.defaultDeployment
        let request = ChatCompletionRequest(deployment: deployment, messages: Self.messages, temperature: settings.temperature)
        let facts = [DoctorFact("deployment", deployment), DoctorFact("endpoint", endpoint),
                     DoctorFact("api version", settings.apiVersion)]
        let started = ContinuousClock.now
        do {
            var firstWords: String?
            var finish: String?
            // Stop at the first words: they prove the deployment answers, and ending the stream
            // early keeps the check to a few tokens.
            for try await event in client.streamChatCompletion(request) {
                if case .delta(let text) = event { firstWords = text; break }
                if case .finished(let reason) = event { finish = reason; break }
            }
            let elapsed = ContinuousClock.now - started
            let milliseconds = Int(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)
            var step = DoctorStep(id: .azureOpenAI, title: Self.title, status: .ok,
                                  summary: "deployment '\(deployment)' answered in \(milliseconds) ms.", facts: facts)
            if let firstWords {
                step.facts.append(DoctorFact("first words", String(firstWords.prefix(60))))
            } else {
                step.facts.append(DoctorFact("finish reason", finish ?? "none"))
            }
            return step
        } catch let error as AzureOpenAIError {
            return explain(error, deployment: deployment, principal: principal, facts: facts)
        } catch {
            return DoctorStep(id: .azureOpenAI, title: Self.title, status: .failed,
                              summary: "the request failed: \(error)", facts: facts,
                              fixes: ["run `parley doctor` again; if it persists, run with LOG_LEVEL=debug."])
        }
    }

    /// What the failure means here, and the fix (azure-openai.md §6, identity.md §9.3).
    func explain(_ error: AzureOpenAIError, deployment: String, principal: String?, facts: [DoctorFact]) -> DoctorStep {
        var facts = facts
        if let status = error.status { facts.append(DoctorFact("HTTP status", "\(status)")) }
        if let requestID = error.requestID { facts.append(DoctorFact("request id", requestID)) }
        var step = DoctorStep(id: .azureOpenAI, title: Self.title, status: .failed, summary: error.message, facts: facts)
        let target = DoctorEndpoint(endpoint)
        let entra = settings.authentication == .entra
        switch error.kind {
        case .permissionDenied:
            let who = principal ?? "<principal object id>"
            step.summary = "401 PermissionDenied: the principal \(who) has a valid token but lacks the role 'Cognitive Services OpenAI User' on this Azure OpenAI resource."
            step.notes = ["Owner and Contributor do not include it: they are control-plane roles without the data action for chat completions."]
            step.fixes = [
                "assign the role: `az role assignment create --assignee \(who) --role \"Cognitive Services OpenAI User\" --scope \(target.resourceIDPlaceholder)` (the resource ID: `az cognitiveservices account show --name \(target.resourceNameOrPlaceholder) --resource-group <resource group> --query id -o tsv`).",
                "if the role was assigned just now: role assignments can take up to 30 minutes to take effect; run `parley doctor` again later.",
            ]
        case .deploymentNotFound:
            step.summary = "404 DeploymentNotFound: the resource has no deployment named '\(deployment)' (DEPLOYMENT_NAME), or it was created less than 5 minutes ago."
            step.fixes = [
                "set DEPLOYMENT_NAME to the deployment's name, not the model's: `az cognitiveservices account deployment list --name \(target.resourceNameOrPlaceholder) --resource-group <resource group> --query \"[].name\" -o tsv`.",
                "if the deployment was created in the last 5 minutes, wait and run `parley doctor` again.",
            ]
        case .authenticationFailed where entra:
            step.summary = "401: Azure OpenAI rejected the Microsoft Entra token (not a missing role: that would be PermissionDenied)."
            if target.isRegional {
                step.notes = ["\(target.host) is a regional endpoint; Microsoft Entra tokens are accepted only at the resource's custom-subdomain endpoint."]
            }
            step.fixes = [
                "use the resource's custom-subdomain endpoint, https://<resource name>.openai.azure.com, in OPENAI_API_BASE (not a regional https://<region>.api.cognitive.microsoft.com endpoint): `az cognitiveservices account show --name <resource name> --resource-group <resource group> --query properties.endpoint -o tsv`.",
                "check that the token's audience is \(settings.scopes.openAIAudience) (see Access token above) and that it is from the tenant the resource lives in.",
            ]
        case .authenticationFailed:
            step.summary = "401: Azure OpenAI rejected the API key."
            step.fixes = ["copy a key from the resource's Keys and Endpoint page into OPENAI_API_KEY (`az cognitiveservices account keys list --name <resource name> --resource-group <resource group>`), and check that OPENAI_API_BASE is that same resource."]
        case .upstreamRefused where error.status == 404:
            step.summary = "404 Resource not found: the endpoint or the api-version is wrong."
            step.fixes = ["set OPENAI_API_BASE to the resource's endpoint (https://<resource name>.openai.azure.com, nothing after the host) and OPENAI_API_VERSION to a supported version such as 2024-10-21 (now '\(settings.apiVersion)')."]
        case .upstreamRefused where error.status == 403:
            step.summary = "403: the resource's network rules (firewall, virtual network, or disabled public access) do not admit this host."
            step.fixes = ["allow this host's outbound address in the resource's Networking settings, or reach it through its private endpoint (and the private DNS zone privatelink.openai.azure.com)."]
        case .upstreamError where error.status == nil, .upstreamTimeout where error.status == nil:
            step.summary = "could not reach \(target.host.isEmpty ? endpoint : target.host): \(error.message)"
            step.fixes = ["check the endpoint's name and the network path: `nslookup \(target.host.isEmpty ? "<host>" : target.host)` (with a private endpoint it must resolve to a private address), proxy settings, and outbound firewall rules."]
        case .rateLimited:
            // Authentication and authorisation worked: the deployment is just busy.
            step.status = .warning
            step.summary = "the deployment is reachable and Parley is authorised, but it is rate-limited (429) right now."
            step.fixes = ["wait and try again, or raise the deployment's tokens-per-minute quota."]
        case .contentFilter:
            step.status = .warning
            step.summary = "the deployment is reachable and Parley is authorised, but the content filter blocked the check's question."
        default:
            step.fixes = ["try again later; if it persists, run with LOG_LEVEL=debug and give the request id to Azure support."]
        }
        return step
    }
}
