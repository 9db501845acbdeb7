import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import ParleyIdentity
import ParleyOutbound
import ParleyTestSupport
import Testing

/// PARLEY_AUTH=entra end to end (issue 13): the real application against the fake Entra's OpenID
/// provider, over HTTP, with redirects never followed so every hop is checked.
@Suite struct SignInTests {
    static let clientID = SignedInServer.clientID
    static let tenantID = SignedInServer.tenantID
    static let publicURL = SignedInServer.publicURL

    struct Hop: Sendable {
        let status: Int
        let headers: HTTPHeaders
        let body: String
        var location: String? { headers.first(name: "Location") }
        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:] }
        var errorCode: String? { (json["error"] as? [String: Any])?["code"] as? String }
        /// name → the whole Set-Cookie line.
        var setCookies: [String: String] {
            var found: [String: String] = [:]
            for line in headers["Set-Cookie"] {
                if let name = line.split(separator: "=", maxSplits: 1).first { found[String(name)] = line }
            }
            return found
        }
        /// The value a Set-Cookie line sets.
        func cookieValue(_ name: String) -> String? {
            setCookies[name].flatMap { $0.split(separator: ";").first }.map { String($0.dropFirst(name.count + 1)) }
        }
    }

    /// One request, redirects not followed (OutboundHTTPClient never follows them).
    static func send(_ method: HTTPMethod, _ url: String, headers: [(String, String)] = [], body: String? = nil) async throws -> Hop {
        var request = HTTPClientRequest(url: url)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(string: body)) }
        let response = try await OutboundHTTPClient.shared.execute(request, timeout: .seconds(30))
        let buffer = try await response.body.collect(upTo: 4 << 20)
        return Hop(status: Int(response.status.code), headers: response.headers, body: String(buffer: buffer))
    }

    /// A running Parley with sign-in against a running fake Entra, and the projected token.
    static func withSignIn(
        clock: ManualClock = ManualClock(Date()), extra: [String: String] = [:],
        _ body: @Sendable (ServerHarness, FakeEntra, String) async throws -> Void
    ) async throws {
        try await SignedInServer.run(environment: extra, clock: clock) { signedIn in
            try await body(signedIn.server, signedIn.entra, signedIn.assertion)
        }
    }

    /// /auth/login → the fake's authorize endpoint → /auth/callback; returns the session cookie
    /// and every secret value seen on the way (for the log checks).
    static func signIn(_ server: ServerHarness) async throws -> (cookie: String, secrets: [String]) {
        let login = try await send(.GET, server.base + "/auth/login")
        #expect(login.status == 302)
        let authorize = try #require(login.location)
        let attempt = try #require(login.cookieValue("parley_sign_in"))
        let entra = try await send(.GET, authorize)
        #expect(entra.status == 302)
        let returned = try #require(entra.location)
        let back = try #require(URLComponents(string: returned))
        #expect(back.path == "/auth/callback")
        let code = try #require(back.queryItems?.first { $0.name == "code" }?.value)
        let callback = try await send(.GET, server.base + "/auth/callback?" + (back.percentEncodedQuery ?? ""),
                                      headers: [("Cookie", "parley_sign_in=\(attempt)")])
        #expect(callback.status == 302)
        #expect(callback.location == "/")
        let line = try #require(callback.setCookies["parley_auth"])
        #expect(line.contains("HttpOnly"))
        #expect(line.contains("SameSite=Lax"))
        #expect(!line.contains("Secure"))  // loopback http: a Secure cookie would be dropped
        let cookie = try #require(callback.cookieValue("parley_auth"))
        return (cookie, [code, attempt, cookie])
    }

    static func ask(_ server: ServerHarness, headers: [(String, String)]) async throws -> Hop {
        try await send(.POST, server.base + "/ask", headers: [("Content-Type", "application/json")] + headers,
                       body: #"{"question":"Hello"}"#)
    }

    @Test func theWholeSignInThenAskThenSignOut() async throws {
        try await Self.withSignIn { server, fake, assertion in
            fake.openID.signIn(as: .init(oid: "oid-grace", name: "Grace Hopper"))
            let page = try await Self.send(.GET, server.base + "/")
            #expect(page.status == 302)
            #expect(page.location == "/auth/login")
            let (cookie, secrets) = try await Self.signIn(server)
            let me = try await Self.send(.GET, server.base + "/auth/me", headers: [("Cookie", "parley_auth=\(cookie)")])
            #expect(me.status == 200)
            #expect(me.json["oid"] as? String == "oid-grace")
            #expect(me.json["name"] as? String == "Grace Hopper")
            #expect(try await Self.send(.GET, server.base + "/", headers: [("Cookie", "parley_auth=\(cookie)")]).status == 200)
            let asked = try await Self.ask(server, headers: [("Cookie", "parley_auth=\(cookie)"), ("Origin", server.base)])
            #expect(asked.status == 200)
            let sameSite = try await Self.ask(server, headers: [("Cookie", "parley_auth=\(cookie)"), ("Sec-Fetch-Site", "same-origin")])
            #expect(sameSite.status == 200)
            let logout = try await Self.send(.POST, server.base + "/auth/logout", headers: [("Cookie", "parley_auth=\(cookie)")])
            #expect(logout.status == 204)
            let cleared = try #require(logout.setCookies["parley_auth"])
            #expect(cleared.hasPrefix("parley_auth=;") && cleared.contains("Max-Age=0"))
            // The redemption sent the projected token as the assertion.
            #expect(fake.requests.last?.form["client_assertion"] == assertion)
            for secret in secrets + [assertion] {
                #expect(server.logs.lines(containing: secret).isEmpty, "a secret reached the log")
            }
        }
    }

    @Test func withoutSignInTheAPIAnswers401AndThePageRedirects() async throws {
        try await Self.withSignIn { server, _, _ in
            for (method, path) in [(HTTPMethod.POST, "/ask"), (.GET, "/sessions/AAAAAAAAAAAAAAAAAAAAAA"), (.DELETE, "/sessions/AAAAAAAAAAAAAAAAAAAAAA"), (.GET, "/config")] {
                let reply = try await Self.send(method, server.base + path, headers: [("Content-Type", "application/json")], body: method == .POST ? "{}" : nil)
                #expect(reply.status == 401, "\(method) \(path)")
                #expect(reply.errorCode == "unauthenticated")
            }
            #expect(try await Self.send(.GET, server.base + "/auth/me").status == 401)
            for path in ["/healthz", "/style.css", "/js/app.js", "/favicon.svg"] {
                #expect(try await Self.send(.GET, server.base + path).status == 200, "\(path)")
            }
            #expect(try await Self.send(.GET, server.base + "/index.html").location == "/auth/login")
            // Only files that exist in the page's folder are anonymous, not any path with an extension.
            for path in ["/documents/report.txt", "/sessions/x.png", "/js/../README.md", "/js"] {
                let reply = try await Self.send(.GET, server.base + path)
                #expect(reply.status == 401, "\(path)")
            }
        }
    }

    @Test func crossOriginPostsWithTheCookieAreRefused() async throws {
        try await Self.withSignIn { server, _, _ in
            let (cookie, _) = try await Self.signIn(server)
            let foreign: [[(String, String)]] = [
                [], [("Origin", "https://evil.example")], [("Origin", "null")], [("Referer", "https://evil.example/page")],
                [("Sec-Fetch-Site", "cross-site")],
            ]
            for headers in foreign {
                let reply = try await Self.ask(server, headers: [("Cookie", "parley_auth=\(cookie)")] + headers)
                #expect(reply.status == 403)
                #expect(reply.errorCode == "cross_origin")
            }
            let referred = try await Self.ask(server, headers: [("Cookie", "parley_auth=\(cookie)"), ("Referer", server.base + "/")])
            #expect(referred.status == 200)
            let published = try await Self.ask(server, headers: [("Cookie", "parley_auth=\(cookie)"), ("Origin", Self.publicURL)])
            #expect(published.status == 200)
        }
    }

    @Test func aTamperedOrExpiredCookieIsRefused() async throws {
        let clock = ManualClock(Date())
        try await Self.withSignIn(clock: clock) { server, _, _ in
            let (cookie, _) = try await Self.signIn(server)
            var bytes = Array(cookie.utf8)
            bytes[bytes.count / 2] = bytes[bytes.count / 2] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
            let tampered = String(decoding: bytes, as: UTF8.self)
            for value in [tampered, String(cookie.dropLast(4)), "garbage", ""] {
                let reply = try await Self.ask(server, headers: [("Cookie", "parley_auth=\(value)"), ("Origin", server.base)])
                #expect(reply.status == 401)
                #expect(reply.errorCode == "unauthenticated")
            }
            clock.advance(by: 8 * 3600 + 1)
            let expired = try await Self.ask(server, headers: [("Cookie", "parley_auth=\(cookie)"), ("Origin", server.base)])
            #expect(expired.status == 401)
        }
    }

    @Test func theCallbackRefusesAForeignStateOrNoSignInCookie() async throws {
        try await Self.withSignIn { server, _, _ in
            let login = try await Self.send(.GET, server.base + "/auth/login")
            let attempt = try #require(login.cookieValue("parley_sign_in"))
            let authorize = try #require(login.location)
            let entra = try await Self.send(.GET, authorize)
            let returned = try #require(entra.location)
            let query = try #require(URLComponents(string: returned)?.percentEncodedQuery)
            let noCookie = try await Self.send(.GET, server.base + "/auth/callback?" + query)
            #expect(noCookie.status == 401)
            let forged = query.replacingOccurrences(of: "state=", with: "state=x")
            let wrongState = try await Self.send(.GET, server.base + "/auth/callback?" + forged, headers: [("Cookie", "parley_sign_in=\(attempt)")])
            #expect(wrongState.status == 401)
            #expect(wrongState.setCookies["parley_auth"] == nil)
            // form_post works too.
            let posted = try await Self.send(.POST, server.base + "/auth/callback",
                headers: [("Cookie", "parley_sign_in=\(attempt)"), ("Content-Type", "application/x-www-form-urlencoded")], body: query)
            #expect(posted.status == 302)
            #expect(posted.cookieValue("parley_auth") != nil)
        }
    }

    @Test func bearerTokensAreCheckedLikeIDTokens() async throws {
        try await Self.withSignIn { server, fake, _ in
            let good = fake.openID.token(.none, audience: "api://\(Self.clientID)", nonce: nil, baseURL: fake.baseURL)
            #expect(try await Self.ask(server, headers: [("Authorization", "Bearer \(good)")]).status == 200)
            let me = try await Self.send(.GET, server.base + "/auth/me", headers: [("Authorization", "Bearer \(good)")])
            #expect(me.json["oid"] as? String == FakeOpenIDProvider.User().oid)
            for flaw in FakeOpenIDProvider.Flaw.allCases where flaw != .none && flaw != .wrongNonce {
                let bad = fake.openID.token(flaw, audience: "api://\(Self.clientID)", nonce: nil, baseURL: fake.baseURL)
                let reply = try await Self.ask(server, headers: [("Authorization", "Bearer \(bad)")])
                #expect(reply.status == 401, "\(flaw)")
                #expect(reply.errorCode == "unauthenticated")
                #expect(server.logs.lines(containing: bad).isEmpty)
            }
            #expect(try await Self.ask(server, headers: [("Authorization", "Basic dXNlcjpwYXNz")]).status == 401)
            #expect(server.logs.lines(containing: good).isEmpty)
        }
    }

    @Test func anyReplicaWithTheSameKeyFinishesASignInAndHonoursTheCookie() async throws {
        let key = Data((0..<32).map { UInt8($0 * 7 % 256) }).base64EncodedString()
        try await Self.withSignIn(extra: ["PARLEY_COOKIE_KEY": key]) { first, fake, assertion in
            // The second replica's own copy of the projected token.
            let tokenFile = FileManager.default.temporaryDirectory.appendingPathComponent("parley-replica-\(UUID().uuidString)").path
            try assertion.write(toFile: tokenFile, atomically: true, encoding: .utf8)
            defer { try? FileManager.default.removeItem(atPath: tokenFile) }
            let environment = [
                "PARLEY_AUTH": "entra", "PARLEY_AUTH_CLIENT_ID": Self.clientID, "AZURE_TENANT_ID": Self.tenantID,
                "AZURE_AUTHORITY_HOST": fake.baseURL, "AZURE_FEDERATED_TOKEN_FILE": tokenFile,
                "PARLEY_PUBLIC_URL": Self.publicURL, "PARLEY_COOKIE_KEY": key,
            ]
            try await ServerHarness.run(environment: environment) { second in
                // The sign-in starts on one replica and its callback lands on the other...
                let login = try await Self.send(.GET, first.base + "/auth/login")
                let attempt = try #require(login.cookieValue("parley_sign_in"))
                let authorize = try #require(login.location)
                let entra = try await Self.send(.GET, authorize)
                let returned = try #require(entra.location)
                let query = try #require(URLComponents(string: returned)?.percentEncodedQuery)
                let callback = try await Self.send(.GET, second.base + "/auth/callback?" + query, headers: [("Cookie", "parley_sign_in=\(attempt)")])
                let cookie = try #require(callback.cookieValue("parley_auth"))
                #expect(callback.status == 302)
                // ...and the session cookie works on both.
                let me = try await Self.send(.GET, first.base + "/auth/me", headers: [("Cookie", "parley_auth=\(cookie)")])
                #expect(me.status == 200)
                let otherKey = try await Self.send(.GET, second.base + "/auth/me", headers: [("Cookie", "parley_auth=\(String(cookie.reversed()))")])
                #expect(otherKey.status == 401)
            }
        }
    }

    @Test func noneChangesNothing() async throws {
        try await ServerHarness.run(environment: ["PARLEY_AUTH": "none"]) { server in
            let page = try await Self.send(.GET, server.base + "/")
            let asked = try await Self.ask(server, headers: [])
            let foreign = try await Self.ask(server, headers: [("Origin", "https://evil.example")])
            let me = try await Self.send(.GET, server.base + "/auth/me")
            let login = try await Self.send(.GET, server.base + "/auth/login")
            #expect(page.status == 200)
            #expect(asked.status == 200)
            #expect(foreign.status == 200)
            #expect(me.status == 404)
            #expect(login.status == 404)
        }
    }
}
