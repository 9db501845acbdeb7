import Foundation

/// Builds unsigned JWTs (`alg: none`) with the claim sets of a projected Kubernetes
/// service-account token and of an Entra access token, for tests and the loopback fakes.
/// Nothing verifies their signature: the identity library only decodes claims.
public enum TestJWT {
    public static let fakeSignature = "ZmFrZS1zaWduYXR1cmU"

    /// `header.payload.signature` with the given claims (keys sorted, so output is stable).
    public static func make(claims: [String: any Sendable]) -> String {
        let header = encode(["alg": "none", "typ": "JWT"])
        let payload = encode(claims)
        return "\(header).\(payload).\(fakeSignature)"
    }

    /// A projected service-account token as the kubelet writes it for workload identity
    /// (shape of `projected-sa-token-payload.json`).
    public static func serviceAccountToken(
        issuer: String = "https://eastus.oic.prod-aks.azure.com/00000000-0000-0000-0000-000000000000/11111111-1111-1111-1111-111111111111/",
        namespace: String = "chat",
        serviceAccount: String = "chat-sa",
        audience: String = "api://AzureADTokenExchange",
        issuedAt: Date = Date(),
        lifetime: TimeInterval = 3600,
        serial: Int = 0
    ) -> String {
        make(claims: [
            "aud": [audience],
            "exp": Int(issuedAt.timeIntervalSince1970 + lifetime),
            "iat": Int(issuedAt.timeIntervalSince1970),
            "nbf": Int(issuedAt.timeIntervalSince1970),
            "iss": issuer,
            "jti": "88888888-8888-8888-8888-\(String(format: "%012d", serial))",
            "sub": "system:serviceaccount:\(namespace):\(serviceAccount)",
            "kubernetes.io": [
                "namespace": namespace,
                "pod": ["name": "\(serviceAccount)-7d9f6c9b8-abcde", "uid": "22222222-2222-2222-2222-222222222222"],
                "serviceaccount": ["name": serviceAccount, "uid": "33333333-3333-3333-3333-333333333333"],
            ] as [String: any Sendable],
        ])
    }

    /// An Entra v1 access token for a service principal / managed identity.
    public static func accessToken(
        objectID: String = "aaaaaaaa-0000-1111-2222-bbbbbbbbbbbb",
        appID: String = "66666666-6666-6666-6666-666666666666",
        tenantID: String = "00000000-0000-0000-0000-000000000000",
        audience: String = "https://cognitiveservices.azure.com",
        issuedAt: Date = Date(),
        lifetime: TimeInterval = 3600,
        serial: Int = 0
    ) -> String {
        make(claims: [
            "aud": audience,
            "iss": "https://sts.windows.net/\(tenantID)/",
            "iat": Int(issuedAt.timeIntervalSince1970),
            "nbf": Int(issuedAt.timeIntervalSince1970),
            "exp": Int(issuedAt.timeIntervalSince1970 + lifetime),
            "oid": objectID,
            "appid": appID,
            "tid": tenantID,
            "idtyp": "app",
            "uti": "fake-entra-\(serial)",
        ])
    }

    /// The payload's claims (decoding only), for fakes that must recognise their own tokens.
    public static func claims(of jwt: String) -> [String: Any]? {
        let parts = jwt.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3 else { return nil }
        var base64 = parts[1].replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        guard let data = Data(base64Encoded: base64) else { return nil }
        return try? JSONSerialization.jsonObject(with: data) as? [String: Any]
    }

    static func encode(_ object: [String: any Sendable]) -> String {
        base64URL((try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8))
    }

    /// Unpadded base64url (RFC 7515 §2).
    static func base64URL(_ data: Data) -> String {
        data.base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
