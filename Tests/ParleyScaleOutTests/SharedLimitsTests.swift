import Foundation
import ParleyTestSupport
import Testing

/// PARLEY_RATE_LIMIT and PARLEY_DAILY_TOKEN_BUDGET across two `parley serve` processes sharing one
/// PostgreSQL (issue 13): a client cannot double its allowance by landing on another replica.
/// Without sign-in, both processes key the limits by the client address (loopback here).
@Suite("Limits shared by replicas", .enabled(if: TestDatabase.enabled, TestDatabase.skipReason), .serialized)
struct SharedLimitsTests {
    static let apiKey = "scale-out-test-key"

    private func replicas(_ extra: [String: String]) async throws -> (ParleyProcess, ParleyProcess, FakeAzureOpenAI, TestDatabase.Server, String) {
        let server = try TestDatabase.server()
        let database = try await TestDatabase.create(on: server)
        let fake = try await FakeAzureOpenAI.start(options: .init(apiKey: Self.apiKey))
        let env = [
            "OPENAI_API_BASE": fake.endpoint, "OPENAI_API_KEY": Self.apiKey, "DEPLOYMENT_NAME": "gpt-35-turbo",
            "PARLEY_SESSION_STORE": "postgres", "PARLEY_POSTGRES_URL": server.url(database: database),
        ].merging(extra) { $1 }
        let a = try await ParleyProcess.start(environment: env)
        let b = try await ParleyProcess.start(environment: env)
        return (a, b, fake, server, database)
    }

    @Test func theRateLimitCountsQuestionsOnEveryReplica() async throws {
        let (a, b, fake, server, database) = try await replicas(["PARLEY_RATE_LIMIT": "3", "PARLEY_TRUSTED_PROXIES": "127.0.0.1"])
        defer {
            a.stop()
            b.stop()
        }
        // Real processes use the wall clock: a run that straddles a minute boundary starts a new
        // window mid-way, so it is repeated once as another client (the loopback peer is a trusted
        // proxy here, so X-Forwarded-For names the client), far from any boundary.
        var checked = false
        for client in ["198.51.100.1", "198.51.100.2"] where !checked {
            let from = ["X-Forwarded-For": client]
            let minute = Int(Date().timeIntervalSince1970 / 60)
            let statuses = [
                try await a.ask("one", headers: from).status, try await b.ask("two", headers: from).status,
                try await a.ask("three", headers: from).status,
            ]
            let refused = try await b.ask("four", headers: from)
            guard Int(Date().timeIntervalSince1970 / 60) == minute else { continue }
            checked = true
            #expect(statuses == [200, 200, 200])
            #expect(refused.status == 429, "\(refused.json)")
            #expect((refused.json["error"] as? [String: Any])?["code"] as? String == "rate_limited")
            let retryAfter = try #require(refused.headers["retry-after"].flatMap(Int.init))
            #expect((1...60).contains(retryAfter))
            let left = try await a.request("GET", "/limits", headers: from)
            #expect(left.json["questions_left"] as? Int == 0)
            // Another client, on either replica, has its own count.
            #expect(try await a.ask("hello", headers: ["X-Forwarded-For": "203.0.113.1"]).status == 200)
            #expect(try await b.text("/metrics").contains(#"parley_refusals_total{reason="rate_limited"} 1"#))
        }
        #expect(checked)
        try await fake.shutdown()
        await TestDatabase.drop(database, on: server)
    }

    @Test func theDailyBudgetSpentOnOneReplicaIsSpentOnTheOther() async throws {
        let (a, b, fake, server, database) = try await replicas(["PARLEY_DAILY_TOKEN_BUDGET": "10"])
        defer {
            a.stop()
            b.stop()
        }
        let first = try await a.ask("spend the budget")
        #expect(first.status == 200, "\(a.log)")
        let refused = try await b.ask("and some more")
        #expect(refused.status == 429)
        let error = try #require(refused.json["error"] as? [String: Any])
        #expect(error["code"] as? String == "budget_exhausted")
        let resetsAt = try #require(error["resets_at"] as? String)
        #expect(resetsAt.hasSuffix("T00:00:00Z"))
        #expect(refused.headers["parley-budget-resets-at"] == resetsAt)
        #expect(refused.headers["retry-after"].flatMap(Int.init).map { (1...86_400).contains($0) } == true)
        let left = try await b.request("GET", "/limits")
        #expect(left.json["tokens_left_today"] as? Int == 0)
        #expect(left.json["daily_token_budget"] as? Int == 10)
        try await fake.shutdown()
        await TestDatabase.drop(database, on: server)
    }
}
