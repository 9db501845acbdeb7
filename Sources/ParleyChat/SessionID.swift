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

    /// A fresh id from the system's cryptographically secure generator: two 64-bit draws (one
    /// `getrandom` each, not one per byte), encoded as base64url in place (every question of a new
    /// conversation makes one, so Foundation's base64 and three string replacements showed up).
    public static func random() -> SessionID {
        var generator = SystemRandomNumberGenerator()
        let high = generator.next()
        let low = generator.next()
        var bytes = [UInt8](repeating: 0, count: 16)
        for index in 0..<8 {
            bytes[index] = UInt8(truncatingIfNeeded: high >> (56 - 8 * UInt64(index)))
            bytes[8 + index] = UInt8(truncatingIfNeeded: low >> (56 - 8 * UInt64(index)))
        }
        return SessionID(unchecked: base64URL(bytes))
    }

    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    /// Base64url without padding (RFC 4648 §5).
    static func base64URL(_ bytes: [UInt8]) -> String {
        var output = [UInt8]()
        output.reserveCapacity((bytes.count * 4 + 2) / 3)
        var index = 0
        while index + 2 < bytes.count {
            let value = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8 | UInt32(bytes[index + 2])
            for shift in [18, 12, 6, 0] { output.append(alphabet[Int((value >> UInt32(shift)) & 0x3F)]) }
            index += 3
        }
        let rest = bytes.count - index
        if rest > 0 {
            let value = UInt32(bytes[index]) << 16 | (rest == 2 ? UInt32(bytes[index + 1]) << 8 : 0)
            output.append(alphabet[Int((value >> 18) & 0x3F)])
            output.append(alphabet[Int((value >> 12) & 0x3F)])
            if rest == 2 { output.append(alphabet[Int((value >> 6) & 0x3F)]) }
        }
        return String(decoding: output, as: UTF8.self)
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
