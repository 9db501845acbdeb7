import Crypto
import Foundation
import _CryptoExtras

/// One RSA key of the fake OpenID provider: signs RS256 tokens under its `kid` and publishes
/// itself as a JWK.
public struct FakeEntraSigningKey: Sendable {
    public let kid: String
    let privateKey: _RSA.Signing.PrivateKey

    /// 2048-bit, as Entra's keys are.
    public init(kid: String) throws {
        self.kid = kid
        privateKey = try _RSA.Signing.PrivateKey(keySize: .bits2048)
    }

    /// `{"kty":"RSA","use":"sig","kid","n","e"}` (RFC 7517), like Entra's `discovery/v2.0/keys` entries.
    var jwk: [String: any Sendable] {
        let primitives = try? privateKey.publicKey.getKeyPrimitives()
        return [
            "kty": "RSA", "use": "sig", "kid": kid,
            "n": TestJWT.base64URL(primitives?.modulus ?? Data()),
            "e": TestJWT.base64URL(primitives?.publicExponent ?? Data()),
        ]
    }

    /// header.payload.signature with RS256 (PKCS #1 v1.5, SHA-256).
    func sign(header: [String: any Sendable], claims: [String: any Sendable]) -> String {
        let input = TestJWT.encode(header) + "." + TestJWT.encode(claims)
        let signature = (try? privateKey.signature(for: SHA256.hash(data: Data(input.utf8)), padding: .insecurePKCS1v1_5))?
            .rawRepresentation ?? Data()
        return input + "." + TestJWT.base64URL(signature)
    }
}
