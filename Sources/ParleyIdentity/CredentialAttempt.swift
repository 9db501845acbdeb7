import Foundation

/// One credential's turn in a chain, kept for the aggregated error and for `parley doctor`.
public struct CredentialAttempt: Sendable, Equatable, CustomStringConvertible {
    public enum Outcome: Sendable, Equatable {
        /// A token was obtained; the token itself is not kept here.
        case succeeded(expiresOn: Date)
        /// Not set up here; the chain moved on.
        case unavailable(reason: String)
        /// Set up but failed; the chain stopped.
        case failed(reason: String)
    }

    public let credential: String
    public let outcome: Outcome

    public init(credential: String, outcome: Outcome) {
        self.credential = credential
        self.outcome = outcome
    }

    public var succeeded: Bool {
        if case .succeeded = outcome { return true }
        return false
    }

    /// "<Credential>: <reason>" as one line of the aggregated error.
    public var description: String {
        switch outcome {
        case .succeeded(let expiresOn): "\(credential): got a token that expires at \(expiresOn.formatted(.iso8601))."
        case .unavailable(let reason): "\(credential): \(reason)"
        case .failed(let reason): "\(credential): \(reason)"
        }
    }
}

/// Every credential of a chain failed, or one failed in a way that stops the chain. The text
/// lists each attempt and its reason, in the shape azure-identity uses
/// (`python-dac-aggregated-error.txt`, azure-identity 1.27.0, 2026).
public struct ChainedCredentialError: Error, Sendable, Equatable, CustomStringConvertible {
    public let chainName: String
    public let attempts: [CredentialAttempt]

    public init(chainName: String, attempts: [CredentialAttempt]) {
        self.chainName = chainName
        self.attempts = attempts
    }

    /// The credential that stopped the chain with an authentication failure, if one did.
    public var stoppedBy: String? {
        attempts.last.flatMap { if case .failed = $0.outcome { $0.credential } else { nil } }
    }

    public var description: String {
        var lines = ["\(chainName) failed to get a token from the configured credentials."]
        if attempts.isEmpty {
            lines.append("No credential is configured: AZURE_TOKEN_CREDENTIALS excludes all of them.")
        } else {
            lines.append("Attempted credentials:")
            lines += attempts.map { "\t\($0)" }
        }
        if let stoppedBy {
            lines.append("\(stoppedBy) is configured but failed, so the chain stopped there; fix it rather than relying on another credential.")
        }
        lines.append("Run `parley doctor` to see the configuration and every attempt.")
        return lines.joined(separator: "\n")
    }
}

/// `{"credential": "...", "result": "succeeded|unavailable|failed", "reason": "...", "expiresOn": ...}`
/// for `parley doctor --json`.
extension CredentialAttempt: Encodable {
    enum CodingKeys: String, CodingKey {
        case credential, result, reason, expiresOn
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(credential, forKey: .credential)
        switch outcome {
        case .succeeded(let expiresOn):
            try container.encode("succeeded", forKey: .result)
            try container.encode(expiresOn, forKey: .expiresOn)
        case .unavailable(let reason):
            try container.encode("unavailable", forKey: .result)
            try container.encode(reason, forKey: .reason)
        case .failed(let reason):
            try container.encode("failed", forKey: .result)
            try container.encode(reason, forKey: .reason)
        }
    }
}
