import Crypto
import Foundation
import _CryptoExtras

/// A service principal's certificate and private key from `AZURE_CLIENT_CERTIFICATE_PATH` (a PEM
/// file, as azure-identity's `CertificateCredential` reads it; identity.md §5), and the client
/// assertion it signs for Entra's token endpoint.
///
/// The assertion: RS256 (RSASSA-PKCS1-v1_5 with SHA-256, what Entra accepts for certificate
/// credentials), header `x5t#S256` = base64url(SHA-256 of the certificate's DER), claims
/// `aud` = the token endpoint, `iss` = `sub` = the client ID, a fresh `jti`, `nbf` = now and
/// `exp` = now + 10 min (MSAL's 600 s lifetime, msal-python 1.39 `oauth2cli/assertion.py`, 2026).
struct ClientCertificate: Sendable {
    static let variable = IdentityEnvironment.clientCertificatePath
    static let assertionLifetime: TimeInterval = 600

    /// base64url(SHA-256(DER)): the `x5t#S256` header value, and how Entra finds the certificate.
    let thumbprintSHA256: String
    private let key: _RSA.Signing.PrivateKey

    /// Why a configured certificate cannot be used. Says which file and what to do; never
    /// contains key material.
    struct Problem: Error, Sendable, CustomStringConvertible {
        let description: String
    }

    /// Reads and checks the file now (it may be rotated between token requests).
    static func load(path: String) throws -> ClientCertificate {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            let why = FileManager.default.fileExists(atPath: path) ? "it cannot be read (check its permissions)" : "there is no such file"
            throw Problem(description: "\(variable) '\(path)' cannot be used: \(why). Point it at a PEM file holding the certificate and its unencrypted private key.")
        }
        let text = String(decoding: data, as: UTF8.self)
        let blocks = PEMBlock.all(in: text)
        guard !blocks.isEmpty else {
            throw Problem(description: "\(variable) '\(path)' is not a PEM file (PKCS#12 .pfx/.p12 files are not supported): convert it with `openssl pkcs12 -in cert.pfx -nodes -out cert.pem`.")
        }
        guard let certificate = blocks.first(where: { $0.label == "CERTIFICATE" }) else {
            throw Problem(description: "\(variable) '\(path)' holds no certificate (-----BEGIN CERTIFICATE-----); put the certificate and its private key in the same PEM file.")
        }
        if blocks.contains(where: { $0.label == "ENCRYPTED PRIVATE KEY" }) || text.contains("Proc-Type: 4,ENCRYPTED") {
            throw Problem(description: "\(variable) '\(path)' holds an encrypted private key, which Parley does not read: store the key unencrypted (`openssl pkey -in key.pem -out plain.pem`) in a file only Parley can read, e.g. a Kubernetes secret volume.")
        }
        guard let keyBlock = blocks.first(where: { $0.label == "PRIVATE KEY" || $0.label == "RSA PRIVATE KEY" }) else {
            let other = blocks.first { $0.label.hasSuffix("PRIVATE KEY") }.map { " (it has a \($0.label), but only RSA keys are supported)" } ?? ""
            throw Problem(description: "\(variable) '\(path)' holds no RSA private key\(other); put the certificate and its unencrypted RSA private key in the same PEM file.")
        }
        let key: _RSA.Signing.PrivateKey
        do {
            key = try _RSA.Signing.PrivateKey(pemRepresentation: keyBlock.pem)
        } catch {
            throw Problem(description: "\(variable) '\(path)': the private key is not a usable RSA key (2048 bits or more); check the file, or export the key again.")
        }
        return ClientCertificate(thumbprintSHA256: Base64URL.encode(Data(SHA256.hash(data: certificate.der))), key: key)
    }

    /// A signed assertion for `endpoint`, valid from `now` for `assertionLifetime`.
    func assertion(clientID: String, endpoint: String, now: Date) throws -> String {
        let issuedAt = Int(now.timeIntervalSince1970.rounded(.down))
        let header: [String: Any] = ["alg": "RS256", "typ": "JWT", "x5t#S256": thumbprintSHA256]
        let claims: [String: Any] = [
            "aud": endpoint, "iss": clientID, "sub": clientID, "jti": UUID().uuidString.lowercased(),
            "nbf": issuedAt, "iat": issuedAt, "exp": issuedAt + Int(Self.assertionLifetime),
        ]
        let signingInput = try Base64URL.encode(JSONSerialization.data(withJSONObject: header, options: [.sortedKeys]))
            + "." + Base64URL.encode(JSONSerialization.data(withJSONObject: claims, options: [.sortedKeys]))
        // RS256 is PKCS#1 v1.5 padding over SHA-256; swift-crypto names it "insecure" only to steer
        // new designs to PSS, but it is what RS256 is (RFC 7518 §3.3).
        let signature = try key.signature(for: SHA256.hash(data: Data(signingInput.utf8)), padding: .insecurePKCS1v1_5)
        return signingInput + "." + Base64URL.encode(signature.rawRepresentation)
    }
}

/// One `-----BEGIN X-----` … `-----END X-----` block of a PEM file.
struct PEMBlock {
    let label: String
    /// The block as text, markers included.
    let pem: String
    let der: Data

    static func all(in text: String) -> [PEMBlock] {
        var blocks: [PEMBlock] = []
        for match in text.matches(of: /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END [A-Z0-9 ]+-----/) {
            let body = match.output.2.split(whereSeparator: \.isNewline)
                .filter { !$0.contains(":") }  // RFC 1421 headers (Proc-Type, DEK-Info)
                .joined()
                .filter { !$0.isWhitespace }
            let der = Data(base64Encoded: String(body)) ?? Data()
            blocks.append(PEMBlock(label: String(match.output.1), pem: String(match.output.0), der: der))
        }
        return blocks
    }
}
