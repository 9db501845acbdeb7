/// The credential is not set up in this environment (variables missing, CLI not installed or not
/// logged in, no managed-identity endpoint). A chain records the reason and tries the next one.
public struct CredentialUnavailableError: Error, Sendable, Equatable, CustomStringConvertible {
    /// e.g. "WorkloadIdentityCredential".
    public let credential: String
    /// What is missing and how to supply it. Never contains a secret value.
    public let reason: String

    public init(credential: String, reason: String) {
        self.credential = credential
        self.reason = reason
    }

    public var description: String { "\(credential): \(reason)" }
}

/// The credential is set up but authentication failed (Entra rejected the request, the token
/// file is unreadable, the CLI failed). A chain stops here, as azure-identity's does
/// (README "continuation policy", azure-identity 1.27.0, 2026): a deployed identity that is
/// misconfigured must surface, not be replaced by another principal.
public struct AuthenticationFailedError: Error, Sendable, Equatable, CustomStringConvertible {
    public let credential: String
    /// What happened and what to check, including Entra's own text. Never contains a secret.
    public let reason: String
    /// The HTTP status of the failed token request, when there was one.
    public let statusCode: Int?
    /// Entra's error envelope (error, error_codes, trace_id, correlation_id), when there was one.
    public let entraError: EntraErrorResponse?

    public init(credential: String, reason: String, statusCode: Int? = nil, entraError: EntraErrorResponse? = nil) {
        self.credential = credential
        self.reason = reason
        self.statusCode = statusCode
        self.entraError = entraError
    }

    /// Entra's AADSTS codes (e.g. [70021]); empty when the failure did not come from Entra.
    public var errorCodes: [Int] { entraError?.errorCodes ?? [] }

    public var description: String { "\(credential): \(reason)" }
}

/// A configuration value that makes it impossible to start (an invalid `AZURE_TOKEN_CREDENTIALS`,
/// a plain-http authority that is not loopback). Thrown by initialisers so the process fails at
/// start with one line naming the variable and what is allowed.
public struct IdentityConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    public let variable: String
    public let message: String

    public init(variable: String, message: String) {
        self.variable = variable
        self.message = message
    }

    public var description: String { message }
}
