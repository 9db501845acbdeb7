import Crypto
import Foundation
import _CryptoExtras

/// A certificate registered with the fake Entra (as with `az ad app credential reset --cert`):
/// certificate-signed client assertions are verified against it the way Entra does, so a test
/// proves the signature, the `x5t#S256` thumbprint and the claims, not just the form's shape.
public struct FakeEntraCertificate: Sendable {
    /// base64url(SHA-256(DER)), what the assertion header's `x5t#S256` must name.
    public let thumbprintSHA256: String
    let publicKey: _RSA.Signing.PublicKey

    /// From a PEM holding the certificate and its private key (test fixtures); only the public
    /// half is kept.
    public init(pem: String) throws {
        guard let certificate = Self.block("CERTIFICATE", in: pem), let key = Self.keyPEM(in: pem) else {
            throw FakeEntraCertificateError(description: "the PEM needs a certificate and an unencrypted private key")
        }
        thumbprintSHA256 = Self.base64URL(Data(SHA256.hash(data: certificate)))
        publicKey = try _RSA.Signing.PrivateKey(pemRepresentation: key).publicKey
    }

    /// Why Entra would refuse this certificate assertion, or nil when it is valid for
    /// `clientID` at `endpoint` and `now` (AADSTS codes as Entra answers them, 2026).
    func problem(assertion: String, clientID: String, endpoint: String, now: Date) -> (code: Int, text: String)? {
        let parts = assertion.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 3, let headerData = Self.decode(parts[0]), let claimsData = Self.decode(parts[1]),
              let signatureData = Self.decode(parts[2]),
              let header = try? JSONSerialization.jsonObject(with: headerData) as? [String: Any],
              let claims = try? JSONSerialization.jsonObject(with: claimsData) as? [String: Any] else {
            return (50027, "JWT token is invalid or malformed.")
        }
        guard header["alg"] as? String == "RS256" else {
            return (5002738, "Invalid JWT token. '\(header["alg"] ?? "")' is not a supported signature algorithm.")
        }
        guard header["x5t#S256"] as? String == thumbprintSHA256 else {
            return (700027, "The certificate with identifier used to sign the client assertion is not registered on application.")
        }
        let signature = _RSA.Signing.RSASignature(rawRepresentation: signatureData)
        let digest = SHA256.hash(data: Data((parts[0] + "." + parts[1]).utf8))
        guard publicKey.isValidSignature(signature, for: digest, padding: .insecurePKCS1v1_5) else {
            return (700027, "Client assertion contains an invalid signature.")
        }
        guard claims["aud"] as? String == endpoint else {
            return (700212, "The audience '\(claims["aud"] ?? "")' of the client assertion is not the token endpoint '\(endpoint)'.")
        }
        guard claims["iss"] as? String == clientID, claims["sub"] as? String == clientID else {
            return (700021, "Client assertion application identifier doesn't match 'client_id' parameter.")
        }
        guard let exp = (claims["exp"] as? NSNumber)?.doubleValue, let nbf = (claims["nbf"] as? NSNumber)?.doubleValue,
              claims["jti"] as? String != nil else {
            return (50027, "JWT token is invalid or malformed (exp, nbf and jti are required).")
        }
        let time = now.timeIntervalSince1970
        guard nbf <= time + 300, exp > time, exp - nbf <= 3600 else {
            return (700024, "Client assertion is not within its valid time range.")
        }
        return nil
    }

    /// True when the token request's assertion is certificate-signed (has `x5t#S256`).
    static func isCertificateAssertion(_ assertion: String) -> Bool {
        guard let first = assertion.split(separator: ".").first, let data = decode(String(first)),
              let header = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return false }
        return header["x5t#S256"] != nil || header["x5t"] != nil
    }

    static func block(_ label: String, in pem: String) -> Data? {
        guard let start = pem.range(of: "-----BEGIN \(label)-----"),
              let end = pem.range(of: "-----END \(label)-----", range: start.upperBound..<pem.endIndex) else { return nil }
        return Data(base64Encoded: pem[start.upperBound..<end.lowerBound].filter { !$0.isWhitespace })
    }

    static func keyPEM(in pem: String) -> String? {
        for label in ["PRIVATE KEY", "RSA PRIVATE KEY"] {
            if let start = pem.range(of: "-----BEGIN \(label)-----"),
               let end = pem.range(of: "-----END \(label)-----", range: start.upperBound..<pem.endIndex) {
                return String(pem[start.lowerBound..<end.upperBound])
            }
        }
        return nil
    }

    static func decode(_ text: String) -> Data? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        return Data(base64Encoded: base64)
    }

    static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}

public struct FakeEntraCertificateError: Error, CustomStringConvertible {
    public let description: String
}
