import Foundation
import Logging
import ParleyAzureOpenAI
import ParleyIdentity
import ParleyOutbound
import ParleyServer

/// With PARLEY_BACKENDS_FILE (issue 15): every backend of every deployment, each with its credential
/// (the one Entra token, or its API key) and one tiny chat request through `DoctorChatCheck`, as a
/// table: deployment, backend, priority/weight, credential, result.
struct DoctorBackendsCheck {
    static let title = "Backends"

    let settings: ParleySettings
    let httpClient: OutboundHTTPClient
    let logger: Logger
    let now: @Sendable () -> Date
    let options: Doctor.Options

    /// - Parameter obtained: the Entra token the identity step already got, if it got one; the chain
    ///   is walked again only when it did not run (the primary backend uses a key) and a backend needs Entra.
    func step(obtained: String?) async -> DoctorStep? {
        guard let backends = settings.backends else { return nil }
        let needsToken = backends.deployments.values.contains { $0.contains { $0.apiKey == nil } }
        var token = obtained
        var tokenProblem: String?
        if needsToken && token == nil {
            do {
                let credential = try DefaultAzureCredential(
                    environment: settings.identityEnvironment, httpClient: httpClient, logger: logger, now: now, options: options.identity)
                token = try await credential.getToken(scopes: [settings.scopes.openAI]).token
            } catch {
                tokenProblem = "no Entra token (see Identity above)"
            }
        }
        var rows: [[String]] = [["deployment", "backend", "priority/weight", "credential", "result"]]
        var failures = 0
        var total = 0
        for name in backends.deploymentNames {
            for backend in backends.deployments[name, default: []] {
                total += 1
                let host = "\(AzureBackend.host(of: backend.endpoint))/\(backend.deployment)"
                let credential = backend.apiKeyVariable.map { "api key (\($0))" } ?? "Entra token"
                let result: String
                if let key = backend.apiKey {
                    result = await call(backend, authenticator: APIKeyAuthenticator(key: key))
                } else if let token {
                    result = await call(backend, authenticator: BearerTokenAuthenticator(token: { token }, forget: { _ in }))
                } else {
                    result = "✘ " + (tokenProblem ?? "no Entra token")
                }
                if result.hasPrefix("✘") { failures += 1 }
                rows.append([name, host, "\(backend.priority)/\(backend.weight)", credential, result])
            }
        }
        let status: DoctorStep.Status = failures > 0 ? .failed : (options.sendsChatRequest ? .ok : .skipped)
        let summary = options.sendsChatRequest
            ? "\(total - failures) of \(total) backend\(total == 1 ? "" : "s") answered (\(backends.path))."
            : "\(total) backend\(total == 1 ? "" : "s") in \(backends.path); no requests sent (--no-call)."
        var step = DoctorStep(id: .backends, title: Self.title, status: status, summary: summary)
        step.notes = Self.table(rows)
        if failures > 0 {
            step.fixes = ["a failed backend takes no traffic while others answer; fix its endpoint, deployment, key or role and run `parley doctor` again."]
        }
        return step
    }

    /// One tiny request; "✔ 123 ms" or "✘ <the chat check's summary>".
    private func call(_ backend: BackendsFile.Backend, authenticator: any AzureOpenAIAuthenticator) async -> String {
        guard options.sendsChatRequest else { return "– not sent (--no-call)" }
        let check = DoctorChatCheck(settings: settings, endpoint: backend.endpoint, httpClient: httpClient, logger: logger,
                                    timeout: options.chatTimeout, deployment: backend.deployment)
        let step = await check.step(authenticator: authenticator, principal: nil)
        if step.status == .ok, let answered = step.summary.range(of: "answered in ") {
            return "✔ " + step.summary[answered.upperBound...].trimmingCharacters(in: CharacterSet(charactersIn: "."))
        }
        return "\(step.status.symbol) \(step.summary)"
    }

    /// Rows as aligned columns.
    static func table(_ rows: [[String]]) -> [String] {
        let widths = (0..<(rows.first?.count ?? 0)).map { column in rows.map { $0[column].count }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { index, cell in
                index == row.count - 1 ? cell : cell + String(repeating: " ", count: widths[index] - cell.count)
            }.joined(separator: "  ")
        }
    }
}
