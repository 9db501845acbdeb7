/// The hot path of stream decoding (issue 11: `JSONDecoder` was 21 % of CPU under load): reads the
/// few members an ordinary chunk needs — `choices[].index`, `choices[].delta.content`,
/// `choices[].finish_reason` — straight from the payload bytes, validating the rest as it skips it.
///
/// It only ever answers for the common case and otherwise says "ask `JSONDecoder`" (nil): a
/// non-null `usage` or an `error` member (once per stream at most), any member of an unexpected type,
/// anything malformed or unusual (a non-integer index, invalid UTF-8). So where it answers, it
/// answers what `JSONDecoder` would; everything else keeps the decoder's exact behaviour.
struct ChatCompletionChunkScanner {
    struct Choice: Equatable {
        var index: Int?
        var content: String?
        var finishReason: String?
    }

    /// The chunk's choices (nil when the member is absent or null), or nil from `scan` to fall back.
    struct Result: Equatable {
        var choices: [Choice]?
    }

    private let bytes: UnsafeRawBufferPointer
    private var position = 0

    private init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    /// The chunk's choices, or nil when `JSONDecoder` must decide.
    static func scan(_ bytes: UnsafeRawBufferPointer) -> Result? {
        var scanner = ChatCompletionChunkScanner(bytes)
        return scanner.document()
    }

    private mutating func document() -> Result? {
        var result = Result()
        guard object({ scanner, key in
            switch key {
            case .choices:
                if scanner.null() { result.choices = nil; return true }
                guard let choices = scanner.choices() else { return false }
                result.choices = choices
                return true
            case .usage:
                return scanner.null()  // a real usage object: the decoder's business
            case .error:
                return false
            case .other:
                return scanner.skipValue()
            }
        }) else { return nil }
        skipWhitespace()
        return position == bytes.count ? result : nil
    }

    private enum Key {
        case choices, usage, error, other
    }

    /// `{ "key": value, … }`, calling `member` with the scanner positioned at each value.
    private mutating func object(_ member: (inout ChatCompletionChunkScanner, Key) -> Bool) -> Bool {
        objectWithRawKeys { scanner, key in
            let kind: Key
            if Self.key(key, is: "choices") { kind = .choices }
            else if Self.key(key, is: "usage") { kind = .usage }
            else if Self.key(key, is: "error") { kind = .error }
            else { kind = .other }
            return member(&scanner, kind)
        }
    }

    private mutating func choices() -> [Choice]? {
        guard consume(UInt8(ascii: "[")) else { return nil }
        var choices: [Choice] = []
        if consume(UInt8(ascii: "]")) { return choices }
        while true {
            skipWhitespace()
            guard let choice = choice() else { return nil }
            choices.append(choice)
            if consume(UInt8(ascii: ",")) { continue }
            return consume(UInt8(ascii: "]")) ? choices : nil
        }
    }

    private mutating func choice() -> Choice? {
        var choice = Choice()
        let ok = objectWithRawKeys { scanner, key in
            if Self.key(key, is: "index") {
                if scanner.null() { choice.index = nil; return true }
                guard let index = scanner.integer() else { return false }
                choice.index = index
            } else if Self.key(key, is: "finish_reason") {
                if scanner.null() { choice.finishReason = nil; return true }
                guard let reason = scanner.string() else { return false }
                choice.finishReason = reason
            } else if Self.key(key, is: "delta") {
                if scanner.null() { choice.content = nil; return true }
                var content: String?
                let ok = scanner.objectWithRawKeys { scanner, key in
                    guard Self.key(key, is: "content") else { return scanner.skipValue() }
                    if scanner.null() { content = nil; return true }
                    guard let text = scanner.string() else { return false }
                    content = text
                    return true
                }
                guard ok else { return false }
                choice.content = content
            } else {
                return scanner.skipValue()
            }
            return true
        }
        return ok ? choice : nil
    }

    /// Like `object`, handing over the raw key bytes.
    private mutating func objectWithRawKeys(_ member: (inout ChatCompletionChunkScanner, UnsafeRawBufferPointer) -> Bool) -> Bool {
        guard consume(UInt8(ascii: "{")) else { return false }
        if consume(UInt8(ascii: "}")) { return true }
        while true {
            skipWhitespace()
            guard let key = rawKey() else { return false }
            guard consume(UInt8(ascii: ":")) else { return false }
            skipWhitespace()
            guard member(&self, key) else { return false }
            if consume(UInt8(ascii: ",")) { continue }
            return consume(UInt8(ascii: "}"))
        }
    }

    /// Whether a raw key is `word`: a byte comparison (the generic `elementsEqual` over `String.UTF8View`
    /// was a visible share of the scan in `perf`).
    private static func key(_ key: UnsafeRawBufferPointer, is word: StaticString) -> Bool {
        guard key.count == word.utf8CodeUnitCount else { return false }
        let expected = word.utf8Start
        for offset in 0..<key.count where key[offset] != expected[offset] { return false }
        return true
    }

    // MARK: Values

    /// A string without escapes, as raw bytes (keys), and whether it is all ASCII; nil for anything else.
    private mutating func rawString() -> (bytes: UnsafeRawBufferPointer, isASCII: Bool)? {
        guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else { return nil }
        let start = position + 1
        var index = start
        var high: UInt8 = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                position = index + 1
                return (UnsafeRawBufferPointer(rebasing: bytes[start..<index]), high < 0x80)
            }
            if byte == UInt8(ascii: "\\") || byte < 0x20 { return nil }
            high |= byte
            index += 1
        }
        return nil
    }

    /// A key without escapes and all ASCII (every key Azure sends); anything else goes to the decoder,
    /// which also checks a key's UTF-8.
    private mutating func rawKey() -> UnsafeRawBufferPointer? {
        guard let raw = rawString(), raw.isASCII else { return nil }
        return raw.bytes
    }

    /// Skips a string value, checking what `string()` checks but making no `String` of it: most of a
    /// chunk's strings (ids, the model, content-filter severities) are only skipped.
    private mutating func skipString() -> Bool {
        let start = position
        if let raw = rawString() {
            return raw.isASCII || String(validating: raw.bytes, as: UTF8.self) != nil
        }
        position = start
        return string() != nil
    }

    /// A JSON string value, unescaped; nil when malformed or not valid UTF-8.
    private mutating func string() -> String? {
        let start = position
        if let raw = rawString() {
            return raw.isASCII ? String(decoding: raw.bytes, as: UTF8.self) : String(validating: raw.bytes, as: UTF8.self)
        }
        position = start
        guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else { return nil }
        var index = position + 1
        var output: [UInt8] = []
        output.reserveCapacity(32)
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                position = index + 1
                return String(validating: output, as: UTF8.self)
            }
            if byte < 0x20 { return nil }
            if byte != UInt8(ascii: "\\") {
                output.append(byte)
                index += 1
                continue
            }
            guard index + 1 < bytes.count else { return nil }
            let escaped = bytes[index + 1]
            index += 2
            switch escaped {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): output.append(escaped)
            case UInt8(ascii: "b"): output.append(0x08)
            case UInt8(ascii: "f"): output.append(0x0C)
            case UInt8(ascii: "n"): output.append(0x0A)
            case UInt8(ascii: "r"): output.append(0x0D)
            case UInt8(ascii: "t"): output.append(0x09)
            case UInt8(ascii: "u"):
                guard var scalar = hex4(at: index) else { return nil }
                index += 4
                if (0xD800..<0xDC00).contains(scalar) {
                    // A high surrogate must be followed by `\u` and a low one.
                    guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u"),
                        let low = hex4(at: index + 2), (0xDC00..<0xE000).contains(low)
                    else { return nil }
                    index += 6
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else if (0xDC00..<0xE000).contains(scalar) {
                    return nil
                }
                guard let unicode = Unicode.Scalar(scalar) else { return nil }
                output.append(contentsOf: UTF8.encode(unicode)!)
            default:
                return nil
            }
        }
        return nil
    }

    private func hex4(at start: Int) -> UInt32? {
        guard start + 4 <= bytes.count else { return nil }
        var value: UInt32 = 0
        for index in start..<start + 4 {
            let byte = bytes[index]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: return nil
            }
            value = value << 4 | UInt32(digit)
        }
        return value
    }

    /// A plain integer (optional minus, digits, no fraction or exponent), at most 9 digits.
    private mutating func integer() -> Int? {
        var index = position
        var negative = false
        if index < bytes.count, bytes[index] == UInt8(ascii: "-") { negative = true; index += 1 }
        let start = index
        var value = 0
        while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) {
            value = value * 10 + Int(bytes[index] - UInt8(ascii: "0"))
            index += 1
            if index - start > 9 { return nil }
        }
        guard index > start, !(bytes[start] == UInt8(ascii: "0") && index - start > 1) else { return nil }
        if index < bytes.count,
            bytes[index] == UInt8(ascii: ".") || bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E")
        { return nil }
        position = index
        return negative ? -value : value
    }

    /// `null` (consumed) or false (nothing consumed).
    private mutating func null() -> Bool {
        literal("null")
    }

    private mutating func literal(_ word: StaticString) -> Bool {
        let count = word.utf8CodeUnitCount
        guard position + count <= bytes.count else { return false }
        for offset in 0..<count where bytes[position + offset] != word.utf8Start[offset] { return false }
        position += count
        return true
    }

    /// Skips any JSON value, checking it is well formed.
    private mutating func skipValue(depth: Int = 0) -> Bool {
        guard depth < 64, position < bytes.count else { return false }
        switch bytes[position] {
        case UInt8(ascii: "\""):
            return skipString()
        case UInt8(ascii: "{"):
            return objectWithRawKeys { scanner, _ in scanner.skipValue(depth: depth + 1) }
        case UInt8(ascii: "["):
            position += 1
            skipWhitespace()
            if consume(UInt8(ascii: "]")) { return true }
            while true {
                skipWhitespace()
                guard skipValue(depth: depth + 1) else { return false }
                if consume(UInt8(ascii: ",")) { continue }
                return consume(UInt8(ascii: "]"))
            }
        case UInt8(ascii: "t"):
            return literal("true")
        case UInt8(ascii: "f"):
            return literal("false")
        case UInt8(ascii: "n"):
            return literal("null")
        default:
            return number()
        }
    }

    /// `-? int frac? exp?` per RFC 8259.
    private mutating func number() -> Bool {
        var index = position
        func digits() -> Int {
            let start = index
            while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) { index += 1 }
            return index - start
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "-") { index += 1 }
        let intStart = index
        let intDigits = digits()
        guard intDigits > 0, !(bytes[intStart] == UInt8(ascii: "0") && intDigits > 1) else { return false }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard digits() > 0 else { return false }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard digits() > 0 else { return false }
        }
        position = index
        return true
    }

    // MARK: Punctuation

    /// Skips whitespace, then consumes `byte` if it is next.
    private mutating func consume(_ byte: UInt8) -> Bool {
        skipWhitespace()
        guard position < bytes.count, bytes[position] == byte else { return false }
        position += 1
        return true
    }

    private mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x09, 0x0A, 0x0D: position += 1
            default: return
            }
        }
    }
}
