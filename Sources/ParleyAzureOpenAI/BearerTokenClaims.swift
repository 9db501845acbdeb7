import Foundation

/// Reads the object id (`oid`) out of an Entra access token so an error can name the identity that
/// lacks a role. The token is decoded, not verified (Azure already did that), and never copied
/// anywhere: only the `oid` claim leaves this type.
enum BearerTokenClaims {
    /// The `oid` claim of `Authorization: Bearer <jwt>`, or nil for anything else (api keys, opaque
    /// tokens, malformed JWTs).
    static func objectID(authorizationValue: String) -> String? {
        let prefix = "bearer "
        guard authorizationValue.lowercased().hasPrefix(prefix) else { return nil }
        let token = authorizationValue.dropFirst(prefix.count)
        let segments = token.split(separator: ".", omittingEmptySubsequences: false)
        guard segments.count == 3, let payload = base64URLDecoded(segments[1]),
            let claims = try? JSONDecoder().decode(Claims.self, from: payload),
            let oid = claims.oid, isPlausibleObjectID(oid)
        else { return nil }
        return oid
    }

    private struct Claims: Decodable {
        var oid: String?
    }

    /// base64url (RFC 4648 §5) without padding, as JWTs use it.
    static func base64URLDecoded(_ text: Substring) -> Data? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        let remainder = base64.count % 4
        if remainder == 1 { return nil }
        if remainder > 0 { base64 += String(repeating: "=", count: 4 - remainder) }
        return Data(base64Encoded: base64)
    }

    /// An oid is a GUID; anything else is not echoed into a message.
    private static func isPlausibleObjectID(_ oid: String) -> Bool {
        oid.count <= 64 && oid.allSatisfy { $0.isHexDigit || $0 == "-" }
    }
}
