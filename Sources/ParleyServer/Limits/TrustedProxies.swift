/// The proxies whose `X-Forwarded-For` Parley believes (PARLEY_TRUSTED_PROXIES): comma-separated
/// IPv4/IPv6 addresses and CIDR networks, e.g. `10.0.0.0/8, fd00::/8, 192.0.2.7`.
///
/// The client address is the connection's peer; when the peer is a trusted proxy, it is the
/// right-most `X-Forwarded-For` entry that is not itself a trusted proxy (entries to its left were
/// written by the client and can be anything). An entry that is not an address ends the walk at
/// the hop before it, so a garbled header never lets a client choose its own key.
public struct TrustedProxies: Sendable, Equatable, CustomStringConvertible {
    struct Network: Sendable, Equatable, CustomStringConvertible {
        let address: IPAddress
        let prefixLength: Int

        func contains(_ candidate: IPAddress) -> Bool {
            guard candidate.bytes.count == address.bytes.count else { return false }
            var remaining = prefixLength
            for (mine, theirs) in zip(address.bytes, candidate.bytes) where remaining > 0 {
                let bits = min(8, remaining)
                let mask = UInt8(truncatingIfNeeded: 0xff << (8 - bits))
                if mine & mask != theirs & mask { return false }
                remaining -= bits
            }
            return true
        }

        var description: String { "\(address)/\(prefixLength)" }
    }

    public struct Problem: Error, Sendable {
        public let reason: String
    }

    let networks: [Network]

    public var isEmpty: Bool { networks.isEmpty }

    public var description: String { networks.map(\.description).joined(separator: ", ") }

    /// Parses the list; any entry that is not an address or a network with a valid prefix length is refused.
    public init(parsing text: String) throws {
        var networks: [Network] = []
        let trimmed = text.trimmingWhitespace()
        if !trimmed.isEmpty {
            for entry in trimmed.split(separator: ",", omittingEmptySubsequences: false).map({ String($0).trimmingWhitespace() }) {
                networks.append(try Self.network(entry))
            }
        }
        self.networks = networks
    }

    private static func network(_ entry: String) throws -> Network {
        let example = "use addresses or CIDR networks separated by commas, e.g. 10.0.0.0/8, fd00::/8"
        guard !entry.isEmpty else { throw Problem(reason: "has an empty entry; \(example)") }
        let parts = entry.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count <= 2, let address = IPAddress(String(parts[0])) else {
            throw Problem(reason: "'\(entry)' is not an IP address or CIDR network; \(example)")
        }
        let maxLength = address.bytes.count * 8
        guard parts.count == 2 else { return Network(address: address, prefixLength: maxLength) }
        guard parts[1].allSatisfy(\.isASCII), parts[1].allSatisfy(\.isNumber), let length = Int(parts[1]), (0...maxLength).contains(length)
        else {
            throw Problem(reason: "'\(entry)' has a prefix length that is not 0-\(maxLength); \(example)")
        }
        return Network(address: address, prefixLength: length)
    }

    func trusts(_ address: IPAddress) -> Bool {
        networks.contains { $0.contains(address) }
    }

    /// The client's address for a connection from `peer` carrying these `X-Forwarded-For` header values.
    func clientAddress(peer: String?, forwardedFor: [String]) -> String? {
        guard let peerText = peer else { return nil }
        guard let peerAddress = IPAddress(peerText) else { return peerText }
        var client = peerAddress
        guard trusts(peerAddress) else { return client.description }
        let hops = forwardedFor.flatMap { $0.split(separator: ",") }.map { String($0).trimmingWhitespace() }
        for hop in hops.reversed() {
            guard let address = IPAddress(hop) else { break }
            client = address
            if !trusts(address) { break }
        }
        return client.description
    }
}

extension String {
    fileprivate func trimmingWhitespace() -> String {
        String(drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }
}
