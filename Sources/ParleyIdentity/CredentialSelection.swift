/// The credentials Parley implements, in the default chain's order.
public enum CredentialKind: String, CaseIterable, Sendable {
    case environment = "EnvironmentCredential"
    case workloadIdentity = "WorkloadIdentityCredential"
    case managedIdentity = "ManagedIdentityCredential"
    case azureCli = "AzureCliCredential"
    case azureDeveloperCli = "AzureDeveloperCliCredential"
}

/// Which credentials the default chain contains, from `AZURE_TOKEN_CREDENTIALS` (trimmed,
/// case-insensitive), as azure-identity 1.27.0 reads it (identity.md §6, 2026):
/// unset → all; `dev` → the developer CLIs; `prod` → environment, workload identity, managed
/// identity; a credential's name → only that one; anything else fails at start.
public struct CredentialSelection: Sendable, Equatable {
    public enum Mode: Sendable, Equatable {
        case all
        case dev
        case prod
        case single(CredentialKind)
    }

    public let mode: Mode
    /// The value as set, trimmed (not secret); nil when unset or empty.
    public let rawValue: String?

    /// The chain's members in order.
    public var kinds: [CredentialKind] {
        switch mode {
        case .all: CredentialKind.allCases
        case .dev: [.azureCli, .azureDeveloperCli]
        case .prod: [.environment, .workloadIdentity, .managedIdentity]
        case .single(let kind): [kind]
        }
    }

    /// True when one credential was named: it then runs with its full behaviour (managed identity
    /// without the 1 s probe, CLI errors as failures).
    public var isSingle: Bool {
        if case .single = mode { return true }
        return false
    }

    /// Names azure-identity accepts that Parley does not implement: named in the error.
    static let unimplemented = ["visualstudiocodecredential", "azurepowershellcredential", "interactivebrowsercredential"]

    public static var allowedValues: [String] { ["dev", "prod"] + CredentialKind.allCases.map(\.rawValue) }

    /// - Throws: `IdentityConfigurationError` naming the value and the allowed values.
    public init(environment: [String: String]) throws {
        let raw = IdentityEnvironment.value(IdentityEnvironment.tokenCredentials, in: environment)
        rawValue = raw
        guard let raw else {
            mode = .all
            return
        }
        let value = raw.lowercased()
        if value == "dev" {
            mode = .dev
        } else if value == "prod" {
            mode = .prod
        } else if let kind = CredentialKind.allCases.first(where: { $0.rawValue.lowercased() == value }) {
            mode = .single(kind)
        } else {
            let allowed = Self.allowedValues.joined(separator: ", ")
            let why = Self.unimplemented.contains(value) ? " names a credential Parley does not implement" : " is not valid"
            throw IdentityConfigurationError(variable: IdentityEnvironment.tokenCredentials,
                message: "AZURE_TOKEN_CREDENTIALS='\(raw)'\(why). Valid values are: \(allowed) (case-insensitive), or leave it unset for the whole chain.")
        }
    }
}
