import Foundation
import JWTKit

/// The RSA keys of a JWKS document by `kid` (RFC 7517). Only `kty: RSA` signing keys are kept;
/// each verifies RS256 only, whatever a token's header claims, so `alg: none` and HS256 (an RSA
/// public key used as an HMAC secret) can never verify.
struct SigningKeys: Sendable {
    private struct Document: Decodable {
        struct Key: Decodable {
            var kty: String
            var kid: String?
            var use: String?
            var n: String?
            var e: String?
        }
        var keys: [Key]
    }

    private let keys: [String: JWTKit.Insecure.RSA.PublicKey]

    var kids: [String] { keys.keys.sorted() }

    init(keys: [String: JWTKit.Insecure.RSA.PublicKey]) {
        self.keys = keys
    }

    /// - Throws: `SignInError` when the document is not a JWKS or holds no usable RSA key.
    init(jwks data: Data) throws {
        guard let document = try? JSONDecoder().decode(Document.self, from: data) else {
            throw SignInError(.providerProblem, "The signing keys document (jwks_uri) is not a JSON Web Key Set.")
        }
        var keys: [String: JWTKit.Insecure.RSA.PublicKey] = [:]
        for key in document.keys where key.kty == "RSA" && (key.use ?? "sig") == "sig" {
            guard let kid = key.kid, let n = key.n, let e = key.e,
                  let publicKey = try? JWTKit.Insecure.RSA.PublicKey(modulus: n, exponent: e) else { continue }
            keys[kid] = publicKey
        }
        guard !keys.isEmpty else {
            throw SignInError(.providerProblem, "The signing keys document (jwks_uri) holds no RSA signing key with a kid.")
        }
        self.keys = keys
    }

    func contains(kid: String) -> Bool { keys[kid] != nil }

    /// Checks the RS256 signature with the key named `kid` and decodes the claims.
    func verify(_ token: String, kid: String) async throws -> EntraTokenClaims {
        guard let key = keys[kid] else { throw SignInError(.refusedToken, "The token's signing key '\(kid)' is unknown.") }
        let collection = JWTKeyCollection()
        await collection.add(rsa: key, digestAlgorithm: .sha256, kid: JWKIdentifier(string: kid))
        do {
            return try await collection.verify(token, as: EntraTokenClaims.self)
        } catch let error as JWTError where error.errorType == .signatureVerificationFailed {
            throw SignInError(.refusedToken, "The token's signature does not verify with key '\(kid)'.")
        } catch {
            throw SignInError(.refusedToken, "The token could not be decoded as a JWT.")
        }
    }
}
