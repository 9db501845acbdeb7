import Foundation
import ParleyIdentity

/// Step 3: the projected service-account token's non-secret claims beside AZURE_CLIENT_ID and
/// AZURE_TENANT_ID; for AADSTS70021 & co. the issuer and subject a federated credential must match.
enum DoctorProjectedTokenCheck {
    static let title = "Projected service-account token"

    static func skipped(_ why: String) -> DoctorStep {
        DoctorStep(id: .projectedToken, title: title, status: .skipped, summary: why)
    }

    static func step(credential: DefaultAzureCredential, run: ChainRun, environment: [String: String], now: Date) -> DoctorStep {
        let workload = credential.workloadIdentity
        guard workload.tokenFilePath != nil else {
            if !credential.selection.kinds.contains(.workloadIdentity) {
                return skipped("workload identity is not part of the chain (AZURE_TOKEN_CREDENTIALS='\(credential.selection.rawValue ?? "")').")
            }
            return skipped(workload.insideKubernetes
                ? "AZURE_FEDERATED_TOKEN_FILE is not set: no projected token is mounted in this pod (see Identity above)."
                : "AZURE_FEDERATED_TOKEN_FILE is not set: workload identity is not in use (it is for pods in AKS).")
        }
        let report = IdentityDiagnostics.projectedToken(environment: environment, now: now)
        var step = DoctorStep(id: .projectedToken, title: title, status: .ok, summary: "", facts: facts(report, now: now))
        if let problem = report.problem {
            step.status = .failed
            step.summary = problem
            step.fixes = ["the workload-identity webhook mounts the token at /var/run/secrets/azure/tokens/azure-identity-token: check that the pod has the label azure.workload.identity/use: \"true\", that the volume is mounted (not copied), and that the container's user can read the file."]
            return step
        }
        let claims = report.claims
        step.summary = "issuer \(claims?.issuer ?? "?"), subject \(claims?.subject ?? "?")"
            + (report.secondsLeft.map { ", " + DoctorFormatting.lifetime($0) } ?? "") + "."
        if !report.warnings.isEmpty {
            step.status = .warning
            step.notes += report.warnings.map { "⚠ \($0)" }
        }
        if let attempt = workloadAttempt(run), case .failed(let reason) = attempt.outcome,
           !Set(DoctorFormatting.entraCodes(in: reason)).isDisjoint(with: DoctorIdentityCheck.federationMismatchCodes) {
            explainFederationMismatch(&step, claims: claims, entraReason: reason, workload: workload)
        }
        return step
    }

    static func workloadAttempt(_ run: ChainRun) -> CredentialAttempt? {
        run.attempts.first { $0.credential == CredentialKind.workloadIdentity.rawValue }
    }

    static func facts(_ report: ProjectedTokenReport, now: Date) -> [DoctorFact] {
        var facts = [DoctorFact("file", report.path ?? "not set")]
        if let claims = report.claims {
            facts.append(DoctorFact("issuer (iss)", claims.issuer ?? "(none)"))
            facts.append(DoctorFact("subject (sub)", claims.subject ?? "(none)"))
            facts.append(DoctorFact("audience (aud)", claims.audiences.isEmpty ? "(none)" : claims.audiences.joined(separator: ", ")))
            if let expiresAt = claims.expiresAt {
                facts.append(DoctorFact("expires (exp)", DoctorFormatting.expiry(expiresAt, now: now)))
            }
            if let namespace = claims.namespace { facts.append(DoctorFact("namespace", namespace)) }
            if let account = claims.serviceAccount { facts.append(DoctorFact("service account", account)) }
            if let pod = claims.pod { facts.append(DoctorFact("pod", pod)) }
        }
        facts.append(DoctorFact(IdentityEnvironment.clientID, report.clientID ?? "not set"))
        facts.append(DoctorFact(IdentityEnvironment.tenantID, report.tenantID ?? "not set"))
        return facts
    }

    /// Entra does not say what the federated credential holds, only that none matched, so the
    /// doctor shows what the token presents (read from the file and as Entra echoed it) and the
    /// exact values a matching credential must have.
    static func explainFederationMismatch(_ step: inout DoctorStep, claims: ProjectedTokenClaims?, entraReason: String,
                                          workload: WorkloadIdentityConfiguration) {
        let code = DoctorFormatting.entraCodes(in: entraReason).first { DoctorIdentityCheck.federationMismatchCodes.contains($0) } ?? 70021
        let issuer = claims?.issuer ?? "<issuer>"
        let subject = claims?.subject ?? "<subject>"
        let audience = ProjectedTokenClaims.expectedAudience
        let client = workload.clientID ?? "<AZURE_CLIENT_ID>"
        step.status = .failed
        step.summary = "Microsoft Entra ID found no federated identity credential matching this token (AADSTS\(code))."
        step.notes.append("the token in the file presents:      issuer '\(issuer)', subject '\(subject)', audience '\(claims?.audiences.joined(separator: ", ") ?? "?")'")
        let entraIssuer = DoctorFormatting.entraAssertionValue("Issuer", in: entraReason)
        let entraSubject = DoctorFormatting.entraAssertionValue("Subject", in: entraReason)
        if entraIssuer != nil || entraSubject != nil {
            step.notes.append("Microsoft Entra ID says it was shown: issuer '\(entraIssuer ?? "?")', subject '\(entraSubject ?? "?")'")
        }
        step.notes.append("a federated credential on client ID \(client) must have exactly: issuer '\(issuer)', subject '\(subject)', audience '\(audience)' (case-sensitive, including the issuer's trailing '/').")
        step.notes.append("Entra does not reveal what the existing federated credentials hold; compare them with the line above.")
        step.fixes = []
        if subject.hasSuffix(":default") {
            step.fixes.append("the pod runs as the namespace's 'default' service account: set spec.serviceAccountName in the pod template to the service account the federated credential names (the one annotated with azure.workload.identity/client-id) and recreate the pod.")
        }
        step.fixes += [
            "list the identity's federated credentials: `az identity federated-credential list --identity-name <identity> --resource-group <resource group> --query \"[].{name:name,issuer:issuer,subject:subject,audiences:audiences}\" -o table`.",
            "or create (or correct) the matching one: `az identity federated-credential create --name parley --identity-name <identity> --resource-group <resource group> --issuer '\(issuer)' --subject '\(subject)' --audience \(audience)`.",
            "the issuer must be the cluster's: `az aks show --name <cluster> --resource-group <resource group> --query oidcIssuerProfile.issuerUrl -o tsv`; the subject names the pod's namespace and serviceAccountName. A new federated credential can take a few minutes to be honoured.",
        ]
    }
}
