import ParleyIdentity
import Testing

@Suite struct AuthorityHostTests {
    @Test(arguments: [
        (nil, "https://login.microsoftonline.com"),
        ("", "https://login.microsoftonline.com"),
        ("https://login.microsoftonline.com/", "https://login.microsoftonline.com"),
        ("login.chinacloudapi.cn", "https://login.chinacloudapi.cn"),
        ("  https://login.microsoftonline.us//  ", "https://login.microsoftonline.us"),
        ("http://127.0.0.1:8080/", "http://127.0.0.1:8080"),
        ("http://localhost:1234", "http://localhost:1234"),
        ("http://[::1]:1234", "http://[::1]:1234"),
    ] as [(String?, String)])
    func normalises(raw: String?, expected: String) throws {
        #expect(try AuthorityHost(raw).url == expected)
    }

    @Test func joinsTheTokenPathWithoutDoubleSlashes() throws {
        #expect(try AuthorityHost("https://login.microsoftonline.com/").tokenEndpoint(tenantID: "t")
            == "https://login.microsoftonline.com/t/oauth2/v2.0/token")
    }

    @Test(arguments: ["http://login.microsoftonline.com", "http://10.0.0.5:8080", "ftp://example.com", "http://127.evil.com"])
    func refusesPlainHTTPToNonLoopbackHosts(raw: String) {
        #expect(throws: IdentityConfigurationError.self) { try AuthorityHost(raw) }
    }

    @Test func errorNamesTheVariableOnOneLine() {
        let error = #expect(throws: IdentityConfigurationError.self) { try AuthorityHost("http://login.microsoftonline.com") }
        #expect(error?.description == "AZURE_AUTHORITY_HOST 'http://login.microsoftonline.com' must be an https URL (plain http is allowed only for loopback hosts such as 127.0.0.1).")
    }
}
