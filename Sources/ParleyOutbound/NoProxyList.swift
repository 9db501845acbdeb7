import Foundation

/// `NO_PROXY` as curl and Go's `httpproxy` read it: comma-separated entries, each `*` (everything),
/// a domain (matches itself and its subdomains; a leading `.` or `*.` means the same), an IP
/// address, or a CIDR range, optionally with `:port`.
public struct NoProxyList: Sendable, Equatable {
    enum Entry: Sendable, Equatable {
        case everything
        case domain(String, port: Int?)
        case address([UInt8], prefixBits: Int, port: Int?)
    }

    let entries: [Entry]

    public init(_ value: String) {
        entries = value.split(separator: ",").compactMap { Self.entry(String($0).trimmingCharacters(in: .whitespaces)) }
    }

    public func matches(host rawHost: String, port: Int) -> Bool {
        let host = Self.normalise(rawHost)
        let address = Self.addressBytes(host)
        for entry in entries {
            switch entry {
            case .everything:
                return true
            case .domain(let domain, let entryPort):
                if let entryPort, entryPort != port { continue }
                if host == domain || host.hasSuffix("." + domain) { return true }
            case .address(let bytes, let prefixBits, let entryPort):
                if let entryPort, entryPort != port { continue }
                if let address, address.count == bytes.count, Self.samePrefix(address, bytes, bits: prefixBits) { return true }
            }
        }
        return false
    }

    /// `localhost`, 127.0.0.0/8 and ::1 are never sent through a proxy.
    public static func isLoopback(_ rawHost: String) -> Bool {
        let host = normalise(rawHost)
        if host == "localhost" || host.hasSuffix(".localhost") { return true }
        guard let bytes = addressBytes(host) else { return false }
        if bytes.count == 4 { return bytes[0] == 127 }
        return bytes == [UInt8](repeating: 0, count: 15) + [1]
    }

    private static func entry(_ text: String) -> Entry? {
        guard !text.isEmpty else { return nil }
        if text == "*" { return .everything }
        if let slash = text.firstIndex(of: "/") {
            let addressText = String(text[..<slash])
            guard let bits = Int(text[text.index(after: slash)...]), let bytes = addressBytes(normalise(addressText)),
                (0...(bytes.count * 8)).contains(bits)
            else { return nil }
            return .address(bytes, prefixBits: bits, port: nil)
        }
        var host = text
        var port: Int?
        // host:port, [v6]:port; a bare IPv6 address has several colons and no port.
        if host.hasPrefix("["), let close = host.firstIndex(of: "]") {
            let rest = host[host.index(after: close)...]
            if rest.hasPrefix(":") { port = Int(rest.dropFirst()) }
            host = String(host[host.index(after: host.startIndex)..<close])
        } else if host.filter({ $0 == ":" }).count == 1, let colon = host.lastIndex(of: ":") {
            port = Int(host[host.index(after: colon)...])
            host = String(host[..<colon])
        }
        host = normalise(host)
        if let bytes = addressBytes(host) { return .address(bytes, prefixBits: bytes.count * 8, port: port) }
        if host.hasPrefix("*.") { host.removeFirst(2) }
        if host.hasPrefix(".") { host.removeFirst() }
        return host.isEmpty ? nil : .domain(host, port: port)
    }

    private static func normalise(_ host: String) -> String {
        var host = host.lowercased()
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        if host.hasSuffix(".") { host.removeLast() }
        return host
    }

    /// The bytes of an IPv4 or IPv6 address, or nil for a name.
    static func addressBytes(_ host: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, host, &v4) == 1 {
            return withUnsafeBytes(of: &v4) { Array($0) }
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, host, &v6) == 1 {
            return withUnsafeBytes(of: &v6) { Array($0) }
        }
        return nil
    }

    private static func samePrefix(_ a: [UInt8], _ b: [UInt8], bits: Int) -> Bool {
        var remaining = bits
        for index in a.indices where remaining > 0 {
            let take = min(8, remaining)
            let mask = UInt8(truncatingIfNeeded: 0xFF << (8 - take))
            if a[index] & mask != b[index] & mask { return false }
            remaining -= take
        }
        return true
    }
}
