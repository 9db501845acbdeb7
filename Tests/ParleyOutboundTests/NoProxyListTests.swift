import ParleyOutbound
import Testing

@Suite("NO_PROXY and the proxy variables")
struct NoProxyListTests {
    @Test(arguments: [
        ("example.com", "example.com", 443, true),
        ("example.com", "api.example.com", 443, true),
        (".example.com", "api.example.com", 443, true),
        ("*.example.com", "api.example.com", 443, true),
        ("example.com", "notexample.com", 443, false),
        ("example.com:8443", "example.com", 443, false),
        ("example.com:8443", "example.com", 8443, true),
        ("10.0.0.0/8", "10.1.2.3", 443, true),
        ("10.0.0.0/8", "11.1.2.3", 443, false),
        ("169.254.169.254", "169.254.169.254", 80, true),
        ("fd00::/8", "fd12::1", 443, true),
        ("[::2]:443", "::2", 443, true),
        ("*", "anything.at.all", 443, true),
        ("a.com, b.com ,c.com", "b.com", 443, true),
        ("", "example.com", 443, false),
        ("EXAMPLE.com", "Api.Example.COM.", 443, true),
    ])
    func matches(entry: String, host: String, port: Int, expected: Bool) {
        #expect(NoProxyList(entry).matches(host: host, port: port) == expected)
    }

    @Test func loopbackIsNeverProxied() throws {
        let proxy = try ProxyConfiguration(environment: ["HTTPS_PROXY": "http://proxy:3128", "HTTP_PROXY": "http://proxy:3128"])
        for url in ["http://127.0.0.1:8080/x", "http://127.9.9.9/", "http://localhost:1/", "http://[::1]:8/", "https://a.localhost/"] {
            #expect(proxy.proxy(for: url) == nil, "\(url)")
        }
        #expect(proxy.proxy(for: "https://my.openai.azure.com/openai")?.description == "proxy:3128")
    }

    @Test func eachSchemeHasItsOwnVariableAndLowerCaseWorks() throws {
        let proxy = try ProxyConfiguration(environment: ["https_proxy": "secure:8443", "HTTP_PROXY": "http://plain"])
        #expect(proxy.proxy(for: "https://login.microsoftonline.com/")?.description == "secure:8443")
        #expect(proxy.proxy(for: "http://169.254.169.254/metadata")?.description == "plain:80")
        let onlyHTTPS = try ProxyConfiguration(environment: ["HTTPS_PROXY": "http://p:1"])
        #expect(onlyHTTPS.proxy(for: "http://169.254.169.254/metadata") == nil)
    }

    @Test func upperCaseWinsAndNoProxyBypasses() throws {
        let proxy = try ProxyConfiguration(environment: [
            "HTTPS_PROXY": "http://upper:1", "https_proxy": "http://lower:2", "NO_PROXY": ".internal,169.254.169.254",
        ])
        #expect(proxy.proxy(for: "https://x.openai.azure.com/")?.description == "upper:1")
        #expect(proxy.proxy(for: "https://db.internal/") == nil)
    }

    @Test func credentialsAreKeptButNeverShown() throws {
        let proxy = try ProxyConfiguration(environment: ["HTTPS_PROXY": "http://user:p%40ss@proxy.corp:3128"])
        let server = try #require(proxy.https)
        #expect(server.credentials == .init(user: "user", password: "p@ss"))
        #expect(!server.description.contains("p@ss") && !"\(server)".contains("user"))
    }

    @Test(arguments: ["https://user:s3cret@proxy:3128", "http://", "http://user:s3cret@proxy:99999", "socks5://user:s3cret@proxy:1080", "::::"])
    func aBadProxyNamesTheVariableNotTheValue(value: String) {
        #expect(throws: ProxyConfigurationError.self) { try ProxyConfiguration(environment: ["HTTPS_PROXY": value]) }
        do {
            _ = try ProxyConfiguration(environment: ["HTTPS_PROXY": value])
        } catch {
            #expect(error.variable == "HTTPS_PROXY")
            #expect(!error.description.contains("s3cret"), "a proxy password reached the message")
        }
    }
}
