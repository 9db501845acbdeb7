import Foundation
import ParleyIdentity

/// Step 2: which credentials the chain is configured with and, after walking it once, which one
/// wins, with every attempt's result and what to do when none works.
enum DoctorIdentityCheck {
    static let title = "Identity"

    /// Entra's "no matching federated identity credential" family (identity.md §9.1).
    static let federationMismatchCodes: Set<Int> = [70021, 700211, 700212, 700213]

    static func skippedForAPIKey() -> DoctorStep {
        DoctorStep(id: .identity, title: title, status: .skipped,
                   summary: "API-key authentication: Parley sends the key in the api-key header, so no Microsoft Entra token (and no identity) is involved.")
    }

    static func step(credential: DefaultAzureCredential, run: ChainRun, environment: [String: String], scope: String) -> DoctorStep {
        let chain = members(plan: credential.plan, attempts: run.attempts)
        var step = DoctorStep(id: .identity, title: title, status: .ok, summary: "",
                              facts: facts(credential: credential, environment: environment),
                              chain: chain)
        step.notes = ["chain: " + (chain.isEmpty ? "(empty)" : chain.map(\.credential).joined(separator: " → "))]
            + chain.map(line)
        if let winner = run.winner {
            step.summary = "\(winner) got a token for \(scope)."
            if winner == CredentialKind.managedIdentity.rawValue, credential.workloadIdentity.insideKubernetes {
                step.status = .warning
                step.notes.append("⚠ Inside Kubernetes, managed identity may be the node's identity rather than this workload's; workload identity is the intended way for a pod.")
            }
            return step
        }
        step.status = .failed
        let error = run.error ?? ChainedCredentialError(chainName: credential.name, attempts: run.attempts)
        if let stopped = run.attempts.last, case .failed(let reason) = stopped.outcome {
            let hint = DoctorFormatting.splitHint(reason).hint
            let codes = DoctorFormatting.entraCodes(in: reason).map { "AADSTS\($0)" }
            step.summary = "\(stopped.credential) is configured but failed\(codes.isEmpty ? "" : " (\(codes.joined(separator: ", ")))"), so the chain stopped there."
            step.fixes = failureFixes(credential: stopped.credential, reason: reason, hint: hint)
        } else if chain.isEmpty {
            step.summary = "no credential is configured: AZURE_TOKEN_CREDENTIALS='\(credential.selection.rawValue ?? "")' excludes all of them."
            step.fixes = ["unset AZURE_TOKEN_CREDENTIALS, or set it to one of: \(CredentialSelection.allowedValues.joined(separator: ", "))."]
        } else {
            step.summary = unavailableSummary(credential: credential)
            step.fixes = unavailableFixes(credential: credential, attempts: error.attempts)
        }
        return step
    }

    // MARK: Facts and lines

    /// The selection and the identity variables (set or not; values only when not secret).
    static func facts(credential: DefaultAzureCredential, environment: [String: String]) -> [DoctorFact] {
        let selection: String
        switch credential.selection.mode {
        case .all: selection = "not set (the whole default chain)"
        case .dev: selection = "\(credential.selection.rawValue ?? "dev") (developer tools only)"
        case .prod: selection = "\(credential.selection.rawValue ?? "prod") (deployed-service credentials only)"
        case .single(let kind): selection = "\(credential.selection.rawValue ?? kind.rawValue) (only this credential)"
        }
        var facts = [DoctorFact(IdentityEnvironment.tokenCredentials, selection)]
        facts.append(DoctorFact("inside Kubernetes", credential.workloadIdentity.insideKubernetes
            ? "yes (KUBERNETES_SERVICE_HOST is set)" : "no (KUBERNETES_SERVICE_HOST is not set)"))
        // PATH and TZ are long or uninteresting here; the plan says whether az/azd were found.
        let hidden: Set<String> = [IdentityEnvironment.path, IdentityEnvironment.timeZone,
                                   IdentityEnvironment.tokenCredentials, IdentityEnvironment.kubernetesServiceHost]
        let alwaysShown: Set<String> = [IdentityEnvironment.clientID, IdentityEnvironment.tenantID,
                                        IdentityEnvironment.federatedTokenFile, IdentityEnvironment.authorityHost]
        for variable in IdentityDiagnostics.variables(environment: environment)
        where !hidden.contains(variable.name) && (variable.isSet || alwaysShown.contains(variable.name)) {
            let value: String
            if !variable.isSet {
                value = variable.name == IdentityEnvironment.authorityHost
                    ? "not set (\(credential.workloadIdentity.authorityHost.url))" : "not set"
            } else if variable.isSecret {
                value = "set (secret, not shown)"
            } else {
                value = variable.value ?? ""
            }
            facts.append(DoctorFact(variable.name, value))
        }
        return facts
    }

    /// Plan and attempts side by side, in chain order.
    static func members(plan: [PlannedCredential], attempts: [CredentialAttempt]) -> [DoctorChainMember] {
        plan.enumerated().map { index, planned in
            // The chain records attempts in order, one per member until it stops.
            let attempt = index < attempts.count && attempts[index].credential == planned.name ? attempts[index] : nil
            let (outcome, reason): (DoctorChainMember.Outcome, String?)
            switch attempt?.outcome {
            case .succeeded?: (outcome, reason) = (.succeeded, nil)
            case .unavailable(let why)?: (outcome, reason) = (.unavailable, why)
            case .failed(let why)?: (outcome, reason) = (.failed, why)
            case nil: (outcome, reason) = (.notTried, nil)
            }
            return DoctorChainMember(credential: planned.name, configured: planned.configured, detail: planned.detail,
                                     outcome: outcome, reason: reason)
        }
    }

    static func line(_ member: DoctorChainMember) -> String {
        switch member.outcome {
        case .succeeded: "✔ \(member.credential): got a token (\(member.detail))."
        case .unavailable: "– \(member.credential): unavailable: \(member.reason ?? member.detail)"
        // The hint ("What to check: …") becomes the step's fix line instead of repeating here.
        case .failed: "✘ \(member.credential): failed: \(DoctorFormatting.splitHint(member.reason ?? "").what)"
        case .notTried: "  \(member.credential): not tried (\(member.detail))."
        }
    }

    // MARK: Fixes

    static func failureFixes(credential: String, reason: String, hint: String?) -> [String] {
        let codes = Set(DoctorFormatting.entraCodes(in: reason))
        if !codes.isDisjoint(with: federationMismatchCodes) {
            return ["make the managed identity's federated credential match the projected token exactly; the issuer and subject to use are under 'Projected service-account token' below."]
        }
        if let hint { return [hint] }
        if credential == CredentialKind.azureCli.rawValue {
            return ["run `az login` (and `az account set --subscription <subscription>`), then `parley doctor` again."]
        }
        return ["fix what the failed attempt above names, then run `parley doctor` again."]
    }

    static func unavailableSummary(credential: DefaultAzureCredential) -> String {
        let workload = credential.workloadIdentity
        if workload.insideKubernetes, credential.selection.kinds.contains(.workloadIdentity), !workload.isComplete {
            if workload.tokenFilePath == nil {
                return "no credential produced a token: this pod has no workload-identity variables, so the workload-identity webhook did not mutate it (missing pod label azure.workload.identity/use: \"true\")."
            }
            if workload.clientID == nil {
                return "no credential produced a token: the webhook mounted the projected token but set no AZURE_CLIENT_ID (missing service-account annotation azure.workload.identity/client-id)."
            }
            return "no credential produced a token: workload identity is incomplete (\(workload.missingVariables.joined(separator: ", ")) not set)."
        }
        return "no credential produced a token: none of the chain's credentials is set up here."
    }

    static func unavailableFixes(credential: DefaultAzureCredential, attempts: [CredentialAttempt]) -> [String] {
        let workload = credential.workloadIdentity
        var fixes: [String] = []
        if workload.insideKubernetes, credential.selection.kinds.contains(.workloadIdentity), !workload.isComplete {
            if workload.tokenFilePath == nil {
                fixes.append("add the label azure.workload.identity/use: \"true\" to the pod template (spec.template.metadata.labels of the Deployment, not the service account) and recreate the pod; check with `kubectl get pod <pod> -o jsonpath='{.metadata.labels.azure\\.workload\\.identity/use}'`.")
            }
            if workload.clientID == nil {
                fixes.append("annotate the pod's service account with the managed identity's client ID: `kubectl annotate serviceaccount <service account> -n <namespace> azure.workload.identity/client-id=<client id>` (client ID from `az identity show --name <identity> --resource-group <resource group> --query clientId -o tsv`), then restart the pod.")
            }
            if workload.tenantID == nil, workload.tokenFilePath != nil {
                fixes.append("annotate the service account with azure.workload.identity/tenant-id=<tenant id>, or set AZURE_TENANT_ID in the webhook's configuration, then restart the pod.")
            }
            return fixes
        }
        let cli = attempts.first { $0.credential == CredentialKind.azureCli.rawValue }
        if case .unavailable(let reason)? = cli?.outcome, reason.contains("not logged in") {
            fixes.append("run `az login` (then `az account set --subscription <subscription>`) and run `parley doctor` again.")
        } else if credential.selection.kinds.contains(.azureCli) {
            fixes.append("for local development: install the Azure CLI, run `az login`, and assign yourself 'Cognitive Services OpenAI User' on the resource (release/assign-local-role.sh does this).")
        }
        if credential.selection.kinds.contains(.workloadIdentity) {
            fixes.append("in AKS: enable workload identity for the pod (label azure.workload.identity/use: \"true\" on the pod, annotation azure.workload.identity/client-id on its service account).")
        }
        if fixes.isEmpty {
            fixes.append("set up one of the credentials AZURE_TOKEN_CREDENTIALS selects, or unset it to use the whole chain.")
        }
        return fixes
    }
}
