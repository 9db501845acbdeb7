import Foundation
import ParleyServer
import ParleyTestSupport
import Testing

/// PARLEY_RATE_LIMIT and PARLEY_DAILY_TOKEN_BUDGET (issue 13): 429 with the right code, headers and
/// body, per user when signed in (a real sign-in: bearer tokens from the fake Entra) and per client
/// address otherwise; the clock is moved, never waited for.
@Suite("Rate limit and daily token budget")
struct LimitsAPITests {
    @Test func theRateLimitRefusesTheQuestionOverItUntilTheNextMinute() async throws {
        let clock = ManualClock(Date(timeIntervalSince1970: 1_800_000_010))  // 10 s into a minute
        let metrics = ParleyMetrics()
        try await ServerHarness.run(environment: ["PARLEY_RATE_LIMIT": "2"], now: clock.closure, metrics: metrics) { server in
            #expect(try await server.ask("one").status == 200)
            let limits = try await server.request(.GET, "/limits", headers: [])
            #expect(limits.status == 200)
            #expect(limits.json["questions_left"] as? Int == 1)
            #expect(limits.json["questions_per_minute"] as? Int == 2)
            #expect(limits.json["tokens_left_today"] is NSNull)
            #expect(limits.json["daily_token_budget"] is NSNull)
            #expect(try await server.ask("two").status == 200)
            let refused = try await server.ask("three")
            #expect(refused.status == 429)
            #expect(refused.errorCode == "rate_limited")
            #expect(refused.headers.first(name: "Retry-After") == "50")
            #expect(refused.headers.first(name: "RateLimit-Limit") == "2")
            #expect(refused.headers.first(name: "RateLimit-Remaining") == "0")
            #expect(refused.headers.first(name: "RateLimit-Reset") == "50")
            let metricsText = try await server.request(.GET, "/metrics", headers: []).body
            #expect(metricsText.contains(#"parley_refusals_total{reason="rate_limited"} 1"#), "\(metricsText)")

            clock.advance(by: 50)
            #expect(try await server.ask("four").status == 200)
        }
    }

    @Test func signedInUsersHaveTheirOwnCounters() async throws {
        let clock = ManualClock(Date(timeIntervalSince1970: 1_800_000_000))
        try await SignedInServer.run(environment: ["PARLEY_RATE_LIMIT": "1"], clock: clock) { signedIn in
            let server = signedIn.server
            let body = ServerHarness.askBody("hi")
            let first = try await server.request(.POST, "/ask", body: body, headers: signedIn.headers("alice"))
            #expect(first.status == 200)
            #expect(try await server.request(.POST, "/ask", body: body, headers: signedIn.headers("alice")).status == 429)
            // Same address, another user: a counter of its own.
            #expect(try await server.request(.POST, "/ask", body: body, headers: signedIn.headers("bob")).status == 200)
            // Nobody asks anonymously with sign-in on (the address-keyed counter is for PARLEY_AUTH=none):
            // refused by the gate, not by the limit.
            let anonymous = try await server.ask("anonymous")
            #expect(anonymous.status == 401)
            #expect(anonymous.errorCode == "unauthenticated")
        }
    }

    @Test func forwardedForIsBelievedOnlyFromTrustedProxies() async throws {
        let clock = ManualClock(Date(timeIntervalSince1970: 1_800_000_000))
        @Sendable func ask(_ server: ServerHarness, from forwarded: String) async throws -> Int {
            try await server.request(
                .POST, "/ask", body: ServerHarness.askBody("hi"),
                headers: [("Content-Type", "application/json"), ("X-Forwarded-For", forwarded)]
            ).status
        }
        // Untrusted peer: the header is ignored, so changing it does not escape the limit.
        try await ServerHarness.run(environment: ["PARLEY_RATE_LIMIT": "1"], now: clock.closure) { server in
            let first = try await ask(server, from: "198.51.100.1")
            #expect(first == 200)
            #expect(try await ask(server, from: "198.51.100.2") == 429)
        }
        // The loopback peer is a trusted proxy: each forwarded client has its own counter, the
        // right-most untrusted entry counts, and a client cannot choose its key by prepending entries.
        try await ServerHarness.run(
            environment: ["PARLEY_RATE_LIMIT": "1", "PARLEY_TRUSTED_PROXIES": "127.0.0.0/8, ::1, 10.0.0.0/8"], now: clock.closure
        ) { server in
            let first = try await ask(server, from: "198.51.100.1")
            #expect(first == 200)
            #expect(try await ask(server, from: "198.51.100.2") == 200)
            #expect(try await ask(server, from: "203.0.113.9, 198.51.100.1") == 429)
            #expect(try await ask(server, from: "198.51.100.2, 10.1.2.3") == 429)
            #expect(try await ask(server, from: "2001:db8::7") == 200)
        }
    }

    @Test func theDailyBudgetCountsAnswersAndRefusesUntilUTCMidnight() async throws {
        // 2027-01-15T23:00:00Z: one hour before the budget comes back.
        let clock = ManualClock(Date(timeIntervalSince1970: 1_800_054_000))
        let metrics = ParleyMetrics()
        try await SignedInServer.run(
            environment: ["PARLEY_DAILY_TOKEN_BUDGET": "1"], fakeOptions: .init(), clock: clock, metrics: metrics
        ) { signedIn in
            let server = signedIn.server
            let body = ServerHarness.askBody("tell me about tokens")
            // The budget is checked before the model is called, and spent from its usage after.
            let first = try await server.request(.POST, "/ask", body: body, headers: signedIn.headers("alice"))
            #expect(first.status == 200)
            #expect(first.json["usage"] is [String: Any])
            let left = try await server.request(.GET, "/limits", headers: signedIn.headers("alice", json: false))
            #expect(left.json["daily_token_budget"] as? Int == 1)
            #expect(left.json["tokens_left_today"] as? Int == 0)
            #expect(left.json["resets_at"] as? String == "2027-01-16T00:00:00Z")
            #expect(left.json["questions_left"] is NSNull)

            let refused = try await server.request(.POST, "/ask", body: body, headers: signedIn.headers("alice"))
            #expect(refused.status == 429)
            #expect(refused.errorCode == "budget_exhausted")
            #expect(refused.headers.first(name: "Retry-After") == "3600")
            #expect(refused.headers.first(name: "Parley-Budget-Resets-At") == "2027-01-16T00:00:00Z")
            #expect((refused.json["error"] as? [String: Any])?["resets_at"] as? String == "2027-01-16T00:00:00Z")
            let metricsText = try await server.request(.GET, "/metrics", headers: []).body
            #expect(metricsText.contains(#"parley_refusals_total{reason="budget_exhausted"} 1"#), "\(metricsText)")

            // A streamed answer is counted too: Bob's budget is his own, and one streamed answer spends it.
            let streamed = try await server.request(
                .POST, "/ask", body: ServerHarness.askBody("stream it", stream: true), headers: signedIn.headers("bob"))
            #expect(streamed.status == 200)
            #expect(streamed.body.contains("event: done"))
            #expect(try await server.request(.POST, "/ask", body: body, headers: signedIn.headers("bob")).status == 429)

            clock.advance(by: 3600)
            #expect(try await server.request(.POST, "/ask", body: body, headers: signedIn.headers("alice")).status == 200)
        }
    }

    @Test func limitsAreOffByDefault() async throws {
        try await ServerHarness.run { server in
            let limits = try await server.request(.GET, "/limits", headers: [])
            #expect(limits.status == 200)
            for field in ["questions_left", "questions_per_minute", "tokens_left_today", "daily_token_budget", "resets_at"] {
                #expect(limits.json[field] is NSNull, "\(field)")
            }
            for _ in 0..<5 { #expect(try await server.ask("hi").status == 200) }
        }
    }
}
