import Foundation
import ParleyChat
import ParleySessionStorePostgres
import PostgresNIO
import ParleyTestSupport
import Testing

/// What only the PostgreSQL store has: leases that lapse when a replica dies, the background
/// sweep, concurrent migration, and clear reasons when the database cannot be used.
@Suite("PostgreSQL session store", .enabled(if: TestPostgres.enabled, TestPostgres.skipReason))
struct PostgresStoreTests {
    func withSchema(_ body: (PostgresConnectionSettings, String) async throws -> Void) async throws {
        let settings = try TestPostgres.settings()
        let schema = try await TestPostgres.makeSchema()
        do {
            try await body(settings, schema)
        } catch {
            await TestPostgres.dropSchema(schema)
            throw error
        }
        await TestPostgres.dropSchema(schema)
    }

    func store(_ settings: PostgresConnectionSettings, _ options: PostgresSessionStoreOptions) -> PostgresSessionStore {
        let password = settings.password
        return PostgresSessionStore(settings: settings, options: options, password: { password }, logger: TestPostgres.logger)
    }

    @Test func aLeaseHeldByADeadReplicaLapses() async throws {
        try await withSchema { settings, schema in
            let clock = ManualClock()
            let options = PostgresSessionStoreOptions(leaseDuration: .seconds(60), searchPath: schema, now: { clock.now() })
            let dying = store(settings, options)
            let survivor = store(settings, options)
            defer { Task { await survivor.shutdown() } }
            let opened = try await dying.beginQuestion(in: nil)
            try await dying.finishQuestion(opened.lease, recording: ChatTurn(question: "kept", answer: "yes"))
            let orphan = try await dying.beginQuestion(in: opened.id)
            await dying.shutdown()  // the replica is gone without finishing its question

            await #expect(throws: SessionStoreError.busy(opened.id)) { try await survivor.beginQuestion(in: opened.id) }
            clock.advance(by: 61)
            let taken = try await survivor.beginQuestion(in: opened.id)
            #expect(!taken.isNew)
            #expect(taken.turns.map(\.question) == ["kept"])
            // Were the dead replica's answer to arrive late, it would not be recorded.
            try await survivor.finishQuestion(orphan.lease, recording: ChatTurn(question: "late", answer: "x"))
            try await survivor.finishQuestion(taken.lease, recording: nil)
            #expect(try await survivor.turns(of: opened.id)?.map(\.question) == ["kept"])
        }
    }

    @Test func turnsStoredBeforeCitationsStillRead() async throws {
        try await withSchema { settings, schema in
            let store = store(settings, PostgresSessionStoreOptions(searchPath: schema))
            defer { Task { await store.shutdown() } }
            let opened = try await store.beginQuestion(in: nil)
            try await store.finishQuestion(opened.lease, recording: ChatTurn(question: "new", answer: "a"))
            // A row as written before issue 14's citations: turns without the key.
            try await TestPostgres.execute(
                """
                UPDATE \(schema).parley_sessions SET turns = '[{"question":"old","answer":"plain"}]'::jsonb
                WHERE id = '\(opened.id.rawValue)'
                """, settings: settings)
            #expect(try await store.turns(of: opened.id) == [ChatTurn(question: "old", answer: "plain")])
            let next = try await store.beginQuestion(in: opened.id)
            let cited = [CitedPassage(n: 1, passageID: "p1", title: "Setup", path: "setup.md", heading: "Roles", snippet: "Roles…")]
            try await store.finishQuestion(next.lease, recording: ChatTurn(question: "cited", answer: "[1]", citations: cited))
            #expect(try await store.turns(of: opened.id)?.map(\.citations) == [nil, cited])
        }
    }

    @Test func theSweepDeletesExpiredSessions() async throws {
        try await withSchema { settings, schema in
            let clock = ManualClock()
            let options = PostgresSessionStoreOptions(
                limits: SessionLimits(idleTTL: .seconds(100)), searchPath: schema, now: { clock.now() })
            let store = store(settings, options)
            defer { Task { await store.shutdown() } }
            for _ in 0..<3 { _ = try await store.beginQuestion(in: nil) }
            clock.advance(by: 50)
            let fresh = try await store.beginQuestion(in: nil)
            #expect(try await store.removeExpired() == 0)
            clock.advance(by: 60)
            #expect(try await store.removeExpired() == 3)
            #expect(try await store.count() == 1)
            #expect(try await store.turns(of: fresh.id) != nil)
        }
    }

    @Test func severalStoresCreateTheSchemaAtOnce() async throws {
        try await withSchema { settings, schema in
            let options = PostgresSessionStoreOptions(searchPath: schema)
            let stores = (0..<8).map { _ in store(settings, options) }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for store in stores {
                    group.addTask {
                        let opened = try await store.beginQuestion(in: nil)
                        try await store.finishQuestion(opened.lease, recording: ChatTurn(question: "q", answer: "a"))
                    }
                }
                try await group.waitForAll()
            }
            #expect(try await stores[0].count() == 8)
            for store in stores { await store.shutdown() }
        }
    }

    @Test func anUnreachableDatabaseIsUnavailableWithTheReason() async throws {
        var settings = try TestPostgres.settings()
        settings.port = try closedPort()
        let store = store(settings, PostgresSessionStoreOptions(operationTimeout: .seconds(1), connectTimeout: .seconds(1)))
        defer { Task { await store.shutdown() } }
        let start = ContinuousClock.now
        do {
            _ = try await store.beginQuestion(in: nil)
            Issue.record("a store without a database answered")
        } catch SessionStoreError.unavailable(let reason) {
            #expect(reason.contains("127.0.0.1:\(settings.port)"), "\(reason)")
            #expect(reason.contains("connection refused") || reason.contains("cannot connect"), "\(reason)")
        }
        #expect(ContinuousClock.now - start < .seconds(6))
        #expect(await store.readiness()?.contains("unavailable") == true)
    }

    @Test func aWrongPasswordIsUnavailableAndNamesTheLogin() async throws {
        var settings = try TestPostgres.settings()
        settings.password = "not-the-password"
        let store = store(settings, PostgresSessionStoreOptions(operationTimeout: .seconds(2)))
        defer { Task { await store.shutdown() } }
        do {
            _ = try await store.count()
            Issue.record("a wrong password was accepted")
        } catch SessionStoreError.unavailable(let reason) {
            #expect(reason.contains("refused the login"), "\(reason)")
            #expect(!reason.contains("not-the-password"))
        }
    }

    @Test func urlsParseLikeLibpq() throws {
        let defaults = PostgresConnectionSettings(host: "localhost", database: "parley", username: "parley")
        let parsed = try PostgresConnectionSettings.parse(
            url: "postgresql://app%40x:p%40ss@db.example.com:6432/chat?sslmode=verify-full", defaults: defaults)
        #expect(parsed.host == "db.example.com")
        #expect(parsed.port == 6432)
        #expect(parsed.username == "app@x")
        #expect(parsed.password == "p@ss")
        #expect(parsed.database == "chat")
        #expect(parsed.tlsMode == .verifyFull)
        #expect(!parsed.description.contains("p@ss"))
        #expect(throws: PostgresURLError.self) { try PostgresConnectionSettings.parse(url: "mysql://x/y", defaults: defaults) }
        #expect(throws: PostgresURLError.self) {
            try PostgresConnectionSettings.parse(url: "postgres://x/y?sslmode=sometimes", defaults: defaults)
        }
    }

    /// A loopback port nobody listens on.
    private func closedPort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
