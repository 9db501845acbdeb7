import Foundation

/// One identity variable as `parley doctor` shows it: set or not, and its value only when it is
/// not a secret.
public struct IdentityVariable: Sendable, Equatable, Encodable {
    public var name: String
    public var isSet: Bool
    public var isSecret: Bool
    /// The value, for non-secret variables that are set; never the value of a secret.
    public var value: String?

    /// "AZURE_CLIENT_ID=6666…", "AZURE_CLIENT_SECRET is set", "AZURE_TENANT_ID is not set".
    public var display: String {
        guard isSet else { return "\(name) is not set" }
        if isSecret { return "\(name) is set (secret, not shown)" }
        return "\(name)=\(value ?? "")"
    }
}

/// The projected service-account token as `parley doctor` shows it, beside the variables Entra
/// matches it with.
public struct ProjectedTokenReport: Sendable, Equatable, Encodable {
    public var path: String?
    public var claims: ProjectedTokenClaims?
    /// Seconds until `exp` (negative when expired).
    public var secondsLeft: TimeInterval?
    public var clientID: String?
    public var tenantID: String?
    /// Why the token could not be read or decoded.
    public var problem: String?
    /// Things worth checking, e.g. a wrong audience or an expired token.
    public var warnings: [String]
}

/// The obtained access token's non-secret claims.
public struct AccessTokenReport: Sendable, Equatable, Encodable {
    public var claims: AccessTokenClaims?
    public var expiresOn: Date
    public var secondsLeft: TimeInterval
    /// Set when the token is not a JWT (the claims cannot be shown).
    public var problem: String?
}

/// Helpers for `parley doctor`: everything is read from the environment passed in and nothing
/// secret is returned.
public enum IdentityDiagnostics {
    /// Every variable this library reads, in `IdentityEnvironment.variableNames` order.
    public static func variables(environment: [String: String]) -> [IdentityVariable] {
        IdentityEnvironment.variableNames.map { name in
            let value = IdentityEnvironment.value(name, in: environment)
            let secret = IdentityEnvironment.secretVariableNames.contains(name)
            return IdentityVariable(name: name, isSet: value != nil, isSecret: secret, value: secret ? nil : value)
        }
    }

    /// Reads and decodes (never verifies) the token at `AZURE_FEDERATED_TOKEN_FILE`.
    public static func projectedToken(environment: [String: String], now: Date = Date()) -> ProjectedTokenReport {
        let path = IdentityEnvironment.value(IdentityEnvironment.federatedTokenFile, in: environment)
        var report = ProjectedTokenReport(
            path: path, claims: nil, secondsLeft: nil,
            clientID: IdentityEnvironment.value(IdentityEnvironment.clientID, in: environment),
            tenantID: IdentityEnvironment.value(IdentityEnvironment.tenantID, in: environment),
            problem: nil, warnings: [])
        guard let path else {
            report.problem = "AZURE_FEDERATED_TOKEN_FILE is not set."
            return report
        }
        let file = FederatedTokenFileReader(path: path)
        let assertion: String
        switch file.read() {
        case .success(let text): assertion = text
        case .failure(let problem):
            report.problem = problem.reason
            return report
        }
        let claims: ProjectedTokenClaims
        do {
            claims = try ProjectedTokenClaims(jwt: assertion)
        } catch {
            report.problem = "AZURE_FEDERATED_TOKEN_FILE '\(path)' does not hold a JWT (\(error))."
            return report
        }
        report.claims = claims
        if let expiresAt = claims.expiresAt {
            report.secondsLeft = expiresAt.timeIntervalSince(now)
            if expiresAt <= now {
                report.warnings.append("The token expired at \(expiresAt.formatted(.iso8601)): the kubelet is not rotating the file, or the node's clock is wrong.")
            }
        }
        if !claims.audiences.contains(ProjectedTokenClaims.expectedAudience) {
            report.warnings.append("The token's audience is '\(claims.audiences.joined(separator: ", "))', expected '\(ProjectedTokenClaims.expectedAudience)': this is not the workload-identity projected token.")
        }
        if let subject = claims.subject, !subject.hasPrefix("system:serviceaccount:") {
            report.warnings.append("The token's subject '\(subject)' is not a Kubernetes service account.")
        }
        if let subject = claims.subject, subject.hasSuffix(":default") {
            report.warnings.append("The pod runs as the 'default' service account; set serviceAccountName to the account the federated credential names.")
        }
        return report
    }

    /// The non-secret claims of a token this library obtained.
    public static func accessToken(_ token: AccessToken, now: Date = Date()) -> AccessTokenReport {
        var report = AccessTokenReport(claims: nil, expiresOn: token.expiresOn,
                                       secondsLeft: token.expiresOn.timeIntervalSince(now), problem: nil)
        do {
            report.claims = try AccessTokenClaims(jwt: token.token)
        } catch {
            report.problem = "the token is not a JWT, so its claims cannot be shown (\(error))."
        }
        return report
    }
}

/// A one-off read of the token file for diagnostics (no caching).
struct FederatedTokenFileReader {
    let path: String

    func read() -> Result<String, FederatedTokenFile.FileProblem> {
        let file = FederatedTokenFile(path: path, now: { Date() })
        return Result { try file.readNow() }.mapError { $0 as? FederatedTokenFile.FileProblem ?? .init(reason: "\($0)") }
    }
}
