import NIOCore

/// Writes a Swift string as a JSON string literal (RFC 8259 §7) straight into a `ByteBuffer`, for
/// the JSON written on every request (each `delta` event, each chat request body), where a
/// `JSONEncoder` cost more than the rest of the work (measured with perf, 2026-11). Quotes, backslashes and the control characters
/// U+0000–U+001F are escaped; everything else is written as its UTF-8 bytes (valid JSON, and
/// characters outside the BMP need no surrogate escapes in UTF-8).
public enum JSONStringEscaping {
    public static func write(_ string: String, to buffer: inout ByteBuffer) {
        buffer.writeInteger(UInt8(ascii: "\""))
        var string = string
        string.withUTF8 { bytes in
            var start = 0
            for index in 0..<bytes.count {
                let byte = bytes[index]
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
                if index > start { buffer.writeBytes(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(bytes)[start..<index])) }
                writeEscape(for: byte, to: &buffer)
                start = index + 1
            }
            if bytes.count > start { buffer.writeBytes(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(bytes)[start..<bytes.count])) }
        }
        buffer.writeInteger(UInt8(ascii: "\""))
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    private static func writeEscape(for byte: UInt8, to buffer: inout ByteBuffer) {
        buffer.writeInteger(UInt8(ascii: "\\"))
        switch byte {
        case UInt8(ascii: "\""): buffer.writeInteger(UInt8(ascii: "\""))
        case UInt8(ascii: "\\"): buffer.writeInteger(UInt8(ascii: "\\"))
        case 0x0A: buffer.writeInteger(UInt8(ascii: "n"))
        case 0x0D: buffer.writeInteger(UInt8(ascii: "r"))
        case 0x09: buffer.writeInteger(UInt8(ascii: "t"))
        case 0x08: buffer.writeInteger(UInt8(ascii: "b"))
        case 0x0C: buffer.writeInteger(UInt8(ascii: "f"))
        default:
            buffer.writeBytes([UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"), hexDigits[Int(byte >> 4)], hexDigits[Int(byte & 0x0F)]])
        }
    }
}
