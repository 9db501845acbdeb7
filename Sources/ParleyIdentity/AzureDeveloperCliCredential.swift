import Foundation
import ParleyOutbound
import Logging

/// The account signed in with `azd auth login` (azure-identity `AzureDeveloperCliCredential`,
/// 1.27.0, 2026; identity.md §5), with `expiresOn` read as UTC: the `Z` means UTC, which
/// azure-identity gets wrong (it treats it as local time).
public struct AzureDeveloperCliCredential: TokenCredential {
    public let name = "AzureDeveloperCliCredential"
    private let runner: CLIProcessRunner
    private let tenantID: String?
    private let withinChain: Bool

    public init(environment: [String: String], logger: Logger, options: IdentityOptions = .init(),
                tenantID: String? = nil, withinChain: Bool = false) {
        runner = CLIProcessRunner(environment: environment, timeout: options.processTimeout)
        self.tenantID = tenantID
        self.withinChain = withinChain
    }

    static let tool = CLIProcessRunner.Tool(
        executable: "azd", title: "the Azure Developer CLI (azd)", command: "azd auth token", login: "azd auth login",
        tenantOption: "--tenant-id")

    public func getToken(scopes: [String]) async throws -> AccessToken {
        guard !scopes.isEmpty else {
            throw AuthenticationFailedError(credential: name, reason: "no scope was requested.")
        }
        var arguments = ["auth", "token", "--output", "json", "--no-prompt"]
        for scope in scopes {
            guard Scopes.isSafeForCommandLine(scope: scope) else {
                throw AuthenticationFailedError(credential: name, reason: "the scope contains characters that are not allowed on a command line.")
            }
            arguments += ["--scope", scope]
        }
        let output = try await runner.run(
            Self.tool, for: name, arguments: arguments, tenantID: tenantID, extraEnvironment: ["NO_COLOR": "true"])
        let combined = output.stdout + "\n" + output.stderr
        guard output.exitCode == 0 else {
            if combined.contains("not logged in") && !combined.contains("AADSTS") {
                throw CredentialUnavailableError(credential: name, reason: "the Azure Developer CLI is not logged in: run `azd auth login` and try again.")
            }
            let reason = "`azd auth token` failed (exit \(output.exitCode)): \(AzureCliCredential.firstLines(SecretScrubber.scrub(Self.errorMessage(combined))))"
            throw withinChain ? CredentialUnavailableError(credential: name, reason: reason) as any Error
                              : AuthenticationFailedError(credential: name, reason: reason)
        }
        return try parse(output.stdout)
    }

    private struct Output: Decodable {
        var token: String
        var expiresOn: String
    }

    func parse(_ stdout: String) throws -> AccessToken {
        guard let output = try? JSONDecoder().decode(Output.self, from: Data(stdout.utf8)),
              let expires = Self.parseUTC(output.expiresOn) else {
            let reason = "the Azure Developer CLI printed something that is not a token: \(AzureCliCredential.firstLines(SecretScrubber.scrub(stdout)))"
            throw withinChain ? CredentialUnavailableError(credential: name, reason: reason) as any Error
                              : AuthenticationFailedError(credential: name, reason: reason)
        }
        return AccessToken(token: output.token, expiresOn: expires)
    }

    /// RFC 3339 with or without fractional seconds, "Z" or an offset.
    static func parseUTC(_ text: String) -> Date? {
        if let date = try? Date(text, strategy: .iso8601) { return date }
        return try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }

    /// azd ≥ 1.23.7 prints `{"error": "..."}` lines; older ones `{"type":"consoleMessage","data":{"message":…}}`.
    static func errorMessage(_ text: String) -> String {
        for line in text.split(whereSeparator: \.isNewline) {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { continue }
            if let error = object["error"] as? String { return error }
            if let data = object["data"] as? [String: Any], let message = data["message"] as? String { return message }
        }
        return text
    }
}
