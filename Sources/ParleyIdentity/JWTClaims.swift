import Foundation
import ParleyOutbound

/// Decodes (never verifies) the payload of a JWT for diagnostics. Signatures are Entra's and the
/// cluster's business; we only read claims to explain configuration.
public enum JWTPayload {
    public struct DecodingError: Error, Sendable, Equatable, CustomStringConvertible {
        public let description: String
    }

    /// The payload's claims as JSON objects. The token itself never appears in the error.
    public static func claims(of jwt: String) throws -> [String: Any] {
        let parts = jwt.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3 else {
            throw DecodingError(description: "not a JWT: expected three '.'-separated parts, found \(parts.count)")
        }
        guard let data = base64URLDecode(String(parts[1])) else {
            throw DecodingError(description: "not a JWT: the payload is not base64url")
        }
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw DecodingError(description: "not a JWT: the payload is not a JSON object")
        }
        return object
    }

    static func base64URLDecode(_ text: String) -> Data? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        return Data(base64Encoded: base64)
    }

    /// The latest date a claim may name: 9999-12-31T23:59:59Z. A JWT is text from outside, so
    /// `exp: 1e300` is clamped here, before any date arithmetic or formatting (issue 9).
    static let latestEpochSeconds: Double = 253_402_300_799

    static func date(_ value: Any?) -> Date? {
        let seconds: Double?
        switch value {
        case let number as NSNumber: seconds = ExternalNumber.clamped(number.doubleValue, to: 0...latestEpochSeconds)
        case let text as String: seconds = ExternalNumber.clamped(text, to: 0...latestEpochSeconds)
        default: seconds = nil
        }
        return seconds.map(Date.init(timeIntervalSince1970:))
    }

    static func strings(_ value: Any?) -> [String] {
        switch value {
        case let text as String: [text]
        case let list as [Any]: list.compactMap { $0 as? String }
        default: []
        }
    }
}

/// The non-secret claims of the projected service-account token (`projected-sa-token-payload.json`):
/// what Entra compares with the federated identity credential.
public struct ProjectedTokenClaims: Sendable, Equatable, Encodable {
    public var issuer: String?
    public var subject: String?
    public var audiences: [String]
    public var issuedAt: Date?
    public var notBefore: Date?
    public var expiresAt: Date?
    public var namespace: String?
    public var serviceAccount: String?
    public var pod: String?

    public init(issuer: String? = nil, subject: String? = nil, audiences: [String] = [], issuedAt: Date? = nil,
                notBefore: Date? = nil, expiresAt: Date? = nil, namespace: String? = nil,
                serviceAccount: String? = nil, pod: String? = nil) {
        self.issuer = issuer
        self.subject = subject
        self.audiences = audiences
        self.issuedAt = issuedAt
        self.notBefore = notBefore
        self.expiresAt = expiresAt
        self.namespace = namespace
        self.serviceAccount = serviceAccount
        self.pod = pod
    }

    public init(jwt: String) throws {
        let claims = try JWTPayload.claims(of: jwt)
        let kubernetes = claims["kubernetes.io"] as? [String: Any]
        self.init(
            issuer: claims["iss"] as? String,
            subject: claims["sub"] as? String,
            audiences: JWTPayload.strings(claims["aud"]),
            issuedAt: JWTPayload.date(claims["iat"]),
            notBefore: JWTPayload.date(claims["nbf"]),
            expiresAt: JWTPayload.date(claims["exp"]),
            namespace: kubernetes?["namespace"] as? String,
            serviceAccount: (kubernetes?["serviceaccount"] as? [String: Any])?["name"] as? String,
            pod: (kubernetes?["pod"] as? [String: Any])?["name"] as? String
        )
    }

    /// The audience the workload-identity webhook requests and Entra expects
    /// (azure-workload-identity pkg/webhook consts.go `DefaultAudience`, 2026).
    public static let expectedAudience = "api://AzureADTokenExchange"
}

/// The non-secret claims of an Entra access token, to show which principal Parley acts as.
public struct AccessTokenClaims: Sendable, Equatable, Encodable {
    /// Object ID of the principal: the one a role assignment must name.
    public var objectID: String?
    /// v1 tokens: the client application ID.
    public var appID: String?
    /// v2 tokens: the authorized party (client application ID).
    public var authorizedParty: String?
    public var tenantID: String?
    public var audiences: [String]
    public var issuer: String?
    /// "app" for service principals and managed identities, "user" for people.
    public var identityType: String?
    public var issuedAt: Date?
    public var expiresAt: Date?

    public init(objectID: String? = nil, appID: String? = nil, authorizedParty: String? = nil, tenantID: String? = nil,
                audiences: [String] = [], issuer: String? = nil, identityType: String? = nil,
                issuedAt: Date? = nil, expiresAt: Date? = nil) {
        self.objectID = objectID
        self.appID = appID
        self.authorizedParty = authorizedParty
        self.tenantID = tenantID
        self.audiences = audiences
        self.issuer = issuer
        self.identityType = identityType
        self.issuedAt = issuedAt
        self.expiresAt = expiresAt
    }

    public init(jwt: String) throws {
        let claims = try JWTPayload.claims(of: jwt)
        self.init(
            objectID: claims["oid"] as? String,
            appID: claims["appid"] as? String,
            authorizedParty: claims["azp"] as? String,
            tenantID: claims["tid"] as? String,
            audiences: JWTPayload.strings(claims["aud"]),
            issuer: claims["iss"] as? String,
            identityType: claims["idtyp"] as? String,
            issuedAt: JWTPayload.date(claims["iat"]),
            expiresAt: JWTPayload.date(claims["exp"])
        )
    }

    /// The client application ID, whichever token version carried it.
    public var clientID: String? { appID ?? authorizedParty }
}
