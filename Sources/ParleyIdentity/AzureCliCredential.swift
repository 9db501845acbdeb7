import Foundation
import ParleyOutbound
import Logging

/// The account signed in with `az login`, for local development (azure-identity
/// `AzureCliCredential`, 1.27.0, 2026; identity.md §4).
public struct AzureCliCredential: TokenCredential {
    public let name = "AzureCliCredential"
    private let runner: CLIProcessRunner
    private let tenantID: String?
    private let timeZone: TimeZone
    private let withinChain: Bool
    private let logger: Logger

    /// - Parameters:
    ///   - tenantID: passed as `--tenant`; nil uses the CLI's current tenant (azure-identity's
    ///     default chain does not pass `AZURE_TENANT_ID` either).
    ///   - withinChain: failures become "unavailable" so the chain goes on (azure-identity's
    ///     continuation policy for developer credentials).
    public init(environment: [String: String], logger: Logger, options: IdentityOptions = .init(),
                tenantID: String? = nil, withinChain: Bool = false) {
        runner = CLIProcessRunner(environment: environment, timeout: options.processTimeout)
        self.tenantID = tenantID
        timeZone = Self.timeZone(environment[IdentityEnvironment.timeZone])
        self.withinChain = withinChain
        self.logger = logger
    }

    static let tool = CLIProcessRunner.Tool(
        executable: "az", title: "the Azure CLI (az)", command: "az account get-access-token", login: "az login",
        tenantOption: "--tenant")

    public func getToken(scopes: [String]) async throws -> AccessToken {
        let scope = try Scopes.single(scopes, credential: name)
        guard Scopes.isSafeForCommandLine(scope: scope) else {
            throw AuthenticationFailedError(credential: name, reason: "the scope contains characters that are not allowed on a command line.")
        }
        let output = try await runner.run(
            Self.tool, for: name,
            arguments: ["account", "get-access-token", "--output", "json", "--resource", Scopes.resource(of: scope)],
            tenantID: tenantID, extraEnvironment: ["AZURE_CORE_NO_COLOR": "true"])
        guard output.exitCode == 0 else { throw failure(output) }
        return try parse(output.stdout)
    }

    /// Not logged in ⇒ unavailable, as azure-identity decides: stderr mentions `az login` or
    /// `az account set` and no AADSTS code (`az-errors-stderr.txt`).
    private func failure(_ output: CLIProcessRunner.Output) -> any Error {
        let stderr = output.stderr
        if output.exitCode == 127 {
            return CredentialUnavailableError(credential: name, reason: "the Azure CLI (az) is not on PATH; install it and run `az login`, or use another credential.")
        }
        if (stderr.contains("az login") || stderr.contains("az account set")) && !stderr.contains("AADSTS") {
            return CredentialUnavailableError(credential: name, reason: "the Azure CLI is not logged in: run `az login`\(tenantID.map { " --tenant \($0)" } ?? "") and try again.")
        }
        var reason = "`az account get-access-token` failed (exit \(output.exitCode)): \(Self.firstLines(SecretScrubber.scrub(stderr)))"
        let codes = EntraErrorResponse.codes(in: stderr)
        if let hint = EntraErrorExplanation.hint(for: codes, description: stderr) { reason += " What to check: \(hint)" }
        return withinChain ? CredentialUnavailableError(credential: name, reason: reason)
                           : AuthenticationFailedError(credential: name, reason: reason)
    }

    private struct Output: Decodable {
        var accessToken: String
        var expiresOn: String?
        var expires_on: Double?
    }

    /// Prefers `expires_on` (epoch, az ≥ 2.54) over `expiresOn` (local time without a zone).
    func parse(_ stdout: String) throws -> AccessToken {
        let unexpected = {
            let reason = "the Azure CLI printed something that is not a token: \(Self.firstLines(SecretScrubber.scrub(stdout))) Update the Azure CLI (2.54 or later)."
            return withinChain ? CredentialUnavailableError(credential: name, reason: reason) as any Error
                               : AuthenticationFailedError(credential: name, reason: reason)
        }
        guard let output = try? JSONDecoder().decode(Output.self, from: Data(stdout.utf8)) else { throw unexpected() }
        // `expires_on` is text from another program: finite and within 1970…9999 before it becomes
        // a date (issue 9). Not clamped to a lifetime: az hands out its cached token as is.
        if let epoch = output.expires_on {
            guard let seconds = ExternalNumber.clamped(epoch, to: 0...JWTPayload.latestEpochSeconds) else { throw unexpected() }
            return AccessToken(token: output.accessToken, expiresOn: Date(timeIntervalSince1970: seconds))
        }
        guard let text = output.expiresOn, let date = Self.parseLocalTime(text, timeZone: timeZone) else { throw unexpected() }
        return AccessToken(token: output.accessToken, expiresOn: date)
    }

    /// "2030-01-01 10:00:00.000000" in the CLI's local time zone.
    static func parseLocalTime(_ text: String, timeZone: TimeZone) -> Date? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = timeZone
        for format in ["yyyy-MM-dd HH:mm:ss.SSSSSS", "yyyy-MM-dd HH:mm:ss"] {
            formatter.dateFormat = format
            if let date = formatter.date(from: text) { return date }
        }
        return nil
    }

    /// The zone `az` used: `TZ` from the environment it ran with, else this process's zone.
    static func timeZone(_ tz: String?) -> TimeZone {
        guard var name = tz?.trimmingCharacters(in: .whitespaces), !name.isEmpty else { return .current }
        if name.hasPrefix(":") { name.removeFirst() }
        if name.hasPrefix("/usr/share/zoneinfo/") { name.removeFirst("/usr/share/zoneinfo/".count) }
        return TimeZone(identifier: name) ?? .current
    }

    static func firstLines(_ text: String) -> String {
        let lines = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        let joined = lines.prefix(3).joined(separator: " ")
        return joined.count > 400 ? String(joined.prefix(400)) + "…" : joined
    }
}
