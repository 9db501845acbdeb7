import Crypto
import Foundation

/// Seals small values into cookie text and opens them again: AES-256-GCM (encrypted and
/// authenticated), base64url, with a purpose string as associated data so a cookie made for one
/// purpose (the sign-in attempt) can never be replayed as another (the session). Any replica with
/// the same key opens any other replica's cookies, so nothing is kept in server memory.
public struct CookieSealer: Sendable {
    /// Base64 keys shorter than this are refused (PARLEY_COOKIE_KEY): AES-256 needs 32 bytes.
    public static let minimumKeyBytes = 32

    private let key: SymmetricKey

    /// - Parameter keyBytes: at least 32 bytes; the first 32 are the AES-256 key (longer keys are
    ///   hashed down so every byte counts).
    public init(keyBytes: some DataProtocol) throws(CookieKeyError) {
        let bytes = Data(keyBytes)
        guard bytes.count >= Self.minimumKeyBytes else { throw CookieKeyError(byteCount: bytes.count) }
        key = bytes.count == 32 ? SymmetricKey(data: bytes) : SymmetricKey(data: SHA256.hash(data: bytes))
    }

    /// 32 random bytes, for a key that no operator set (kept in the session store by the server).
    public static func randomKeyBytes() -> Data {
        SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }
    }

    public func seal(_ value: some Encodable, purpose: String) throws -> String {
        let plain = try JSONEncoder().encode(value)
        let box = try AES.GCM.seal(plain, using: key, authenticating: Data(purpose.utf8))
        guard let combined = box.combined else { throw CookieKeyError(byteCount: 0) }
        return Base64URL.encode(combined)
    }

    /// nil for anything that was not sealed by this key for this purpose (tampered, truncated,
    /// another key, another purpose): the caller treats it as no cookie at all.
    public func open<Value: Decodable>(_ text: Substring, as _: Value.Type, purpose: String) -> Value? {
        // A sealed session is a few hundred characters; refuse to decode anything absurd.
        guard text.utf8.count <= 4096, let combined = Base64URL.decode(text),
              let box = try? AES.GCM.SealedBox(combined: combined),
              let plain = try? AES.GCM.open(box, using: key, authenticating: Data(purpose.utf8))
        else { return nil }
        return try? JSONDecoder().decode(Value.self, from: plain)
    }
}

/// PARLEY_COOKIE_KEY decoded to too few bytes.
public struct CookieKeyError: Error, Sendable, CustomStringConvertible {
    public let byteCount: Int
    public var description: String {
        "the cookie key has \(byteCount) bytes; it needs at least \(CookieSealer.minimumKeyBytes) (e.g. `openssl rand -base64 32`)"
    }
}
