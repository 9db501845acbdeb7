import Foundation
import ParleyIdentity
import Testing

/// Every incomplete set of the three workload-identity variables, inside and outside a pod.
@Suite struct WorkloadIdentityConfigurationTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var clientID: Bool
        var tenantID: Bool
        var tokenFile: Bool
        var insideKubernetes: Bool

        var testDescription: String {
            "client=\(clientID) tenant=\(tenantID) file=\(tokenFile) k8s=\(insideKubernetes)"
        }

        var environment: [String: String] {
            var environment: [String: String] = [:]
            if clientID { environment["AZURE_CLIENT_ID"] = "66666666-6666-6666-6666-666666666666" }
            if tenantID { environment["AZURE_TENANT_ID"] = "00000000-0000-0000-0000-000000000000" }
            if tokenFile { environment["AZURE_FEDERATED_TOKEN_FILE"] = "/var/run/secrets/azure/tokens/azure-identity-token" }
            if insideKubernetes { environment["KUBERNETES_SERVICE_HOST"] = "10.0.0.1" }
            return environment
        }

        var missing: [String] {
            [("AZURE_CLIENT_ID", clientID), ("AZURE_TENANT_ID", tenantID), ("AZURE_FEDERATED_TOKEN_FILE", tokenFile)]
                .filter { !$0.1 }.map(\.0)
        }
    }

    static let incomplete: [Case] = [false, true].flatMap { k8s in
        [false, true].flatMap { c in [false, true].flatMap { t in [false, true].compactMap { f in
            (c && t && f) ? nil : Case(clientID: c, tenantID: t, tokenFile: f, insideKubernetes: k8s)
        } } }
    }

    @Test func tableCoversAllFourteenIncompleteSets() {
        #expect(Self.incomplete.count == 14)
    }

    @Test(arguments: incomplete)
    func incompleteSetsNameWhatIsMissing(_ testCase: Case) throws {
        let configuration = try WorkloadIdentityConfiguration(environment: testCase.environment)
        #expect(!configuration.isComplete)
        #expect(configuration.missingVariables == testCase.missing)
        let reason = try #require(configuration.unavailableReason)
        for name in testCase.missing { #expect(reason.contains(name)) }
        for name in ["AZURE_CLIENT_ID", "AZURE_TENANT_ID", "AZURE_FEDERATED_TOKEN_FILE"] where !testCase.missing.contains(name) {
            #expect(!reason.hasPrefix("workload identity is not configured: \(name)"))
        }
        let labelHint = "add the label azure.workload.identity/use: \"true\" to the pod template"
        let annotationHint = "azure.workload.identity/client-id"
        if testCase.insideKubernetes {
            // No token file: the webhook did not run, which is the missing pod label.
            #expect(reason.contains(labelHint) == !testCase.tokenFile)
            // No client ID: the service account lacks the annotation.
            #expect(reason.contains(annotationHint) == !testCase.clientID)
            #expect(!reason.contains("Outside Kubernetes"))
        } else {
            #expect(!reason.contains(labelHint))
            #expect(!reason.contains(annotationHint))
            #expect(reason.contains("Outside Kubernetes set all three"))
        }
    }

    @Test func missingAnnotationOnlyText() throws {
        let configuration = try WorkloadIdentityConfiguration(environment: [
            "AZURE_TENANT_ID": "t", "AZURE_FEDERATED_TOKEN_FILE": "/f", "KUBERNETES_SERVICE_HOST": "10.0.0.1",
        ])
        #expect(configuration.unavailableReason == "workload identity is not configured: AZURE_CLIENT_ID is not set. The webhook ran (it injected the token file) but the pod's service account has no annotation azure.workload.identity/client-id: add it with the identity's client ID and restart the pod.")
    }

    @Test func missingPodLabelText() throws {
        let configuration = try WorkloadIdentityConfiguration(environment: ["KUBERNETES_SERVICE_HOST": "10.0.0.1"])
        #expect(configuration.unavailableReason == "workload identity is not configured: AZURE_CLIENT_ID, AZURE_TENANT_ID and AZURE_FEDERATED_TOKEN_FILE are not set. No projected service-account token is mounted, so the workload-identity webhook did not mutate this pod: add the label azure.workload.identity/use: \"true\" to the pod template (a pod label, not a service-account label) and recreate the pod; the webhook only acts when a pod is created and skips kube-system. Also annotate the pod's service account with azure.workload.identity/client-id: <the identity's client ID>, or the webhook will not inject AZURE_CLIENT_ID.")
    }

    @Test func completeSetHasNoReasonAndEmptyValuesCountAsUnset() throws {
        let complete = try WorkloadIdentityConfiguration(environment: [
            "AZURE_CLIENT_ID": "c", "AZURE_TENANT_ID": "t", "AZURE_FEDERATED_TOKEN_FILE": "/f",
        ])
        #expect(complete.isComplete)
        #expect(complete.unavailableReason == nil)
        let blank = try WorkloadIdentityConfiguration(environment: [
            "AZURE_CLIENT_ID": "  ", "AZURE_TENANT_ID": "t", "AZURE_FEDERATED_TOKEN_FILE": "/f",
        ])
        #expect(blank.missingVariables == ["AZURE_CLIENT_ID"])
    }
}
