@testable import ParleyServer
import Testing

/// Which address a request's limits are keyed by (PARLEY_TRUSTED_PROXIES, issue 13).
@Suite("Trusted proxies and the client address")
struct TrustedProxiesTests {
    @Test func parsesAddressesAndNetworksOfBothFamilies() throws {
        let proxies = try TrustedProxies(parsing: " 10.0.0.0/8 , 192.0.2.7, fd00::/8,::1 ")
        #expect(proxies.description == "10.0.0.0/8, 192.0.2.7/32, fd00::/8, ::1/128")
        #expect(proxies.trusts(IPAddress("10.200.3.4")!))
        #expect(!proxies.trusts(IPAddress("11.0.0.1")!))
        #expect(proxies.trusts(IPAddress("192.0.2.7")!))
        #expect(!proxies.trusts(IPAddress("192.0.2.8")!))
        #expect(proxies.trusts(IPAddress("fd12:3456::1")!))
        #expect(!proxies.trusts(IPAddress("fe80::1")!))
        // An IPv4-mapped IPv6 peer (a dual-stack socket) is its IPv4 address.
        #expect(proxies.trusts(IPAddress("::ffff:10.1.1.1")!))
        #expect(try TrustedProxies(parsing: "").isEmpty)
        #expect(try TrustedProxies(parsing: "0.0.0.0/0").trusts(IPAddress("203.0.113.1")!))
    }

    @Test func theClientIsTheRightMostUntrustedHop() throws {
        let proxies = try TrustedProxies(parsing: "10.0.0.0/8")
        // Peer untrusted: the header is ignored.
        #expect(proxies.clientAddress(peer: "198.51.100.1", forwardedFor: ["203.0.113.5"]) == "198.51.100.1")
        // Peer trusted: the right-most untrusted entry, whatever the client prepended.
        #expect(proxies.clientAddress(peer: "10.0.0.1", forwardedFor: ["1.2.3.4, 203.0.113.5"]) == "203.0.113.5")
        #expect(proxies.clientAddress(peer: "10.0.0.1", forwardedFor: ["1.2.3.4", "203.0.113.5, 10.9.9.9"]) == "203.0.113.5")
        // Every hop trusted: the left-most one.
        #expect(proxies.clientAddress(peer: "10.0.0.1", forwardedFor: ["10.3.3.3, 10.2.2.2"]) == "10.3.3.3")
        // No header: the proxy itself.
        #expect(proxies.clientAddress(peer: "10.0.0.1", forwardedFor: []) == "10.0.0.1")
        // Garbage ends the walk at the last good hop.
        #expect(proxies.clientAddress(peer: "10.0.0.1", forwardedFor: ["203.0.113.5, not-an-ip"]) == "10.0.0.1")
        // Addresses are written one way, so one client has one key.
        #expect(proxies.clientAddress(peer: "10.0.0.1", forwardedFor: ["2001:DB8:0:0::1"]) == "2001:db8::1")
        #expect(proxies.clientAddress(peer: "::ffff:198.51.100.1", forwardedFor: []) == "198.51.100.1")
    }

    @Test func refusesWhatIsNotAnAddressOrNetwork() {
        for bad in ["10.0.0.0/33", "::/129", "10.0.0.1,,10.0.0.2", "proxy.internal", "10.1", "10.0.0.0/", "10.0.0.0/8/8", "fe80::1%eth0", "10.0.0.0/ 8"] {
            #expect(throws: TrustedProxies.Problem.self, "\(bad)") { try TrustedProxies(parsing: bad) }
        }
    }
}
