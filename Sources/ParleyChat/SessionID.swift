import Foundation

/// A server-issued conversation id: 128 random bits, base64url without padding (22 characters).
/// Clients may send it back but never choose it: `SessionStore` only adopts ids it issued itself.
public struct SessionID: Hashable, Sendable, CustomStringConvertible {
    public let rawValue: String

    /// Wraps a value received from a client. Returns nil for anything that cannot be an issued id,
    /// so junk never reaches a store query.
    public init?(validating raw: String) {
        guard raw.utf8.count == 22, raw.utf8.allSatisfy(SessionID.isBase64URL) else { return nil }
        rawValue = raw
    }

    init(unchecked raw: String) {
        rawValue = raw
    }

    /// A fresh id from the system's cryptographically secure generator.
    public static func random() -> SessionID {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<16).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        let encoded = Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
        return SessionID(unchecked: encoded)
    }

    public var description: String { rawValue }

    private static func isBase64URL(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"):
            return true
        default:
            return false
        }
    }
}
