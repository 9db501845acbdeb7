import Foundation
import ParleyChat
import ParleyTestSupport
import Testing

/// The store protocol's semantics, run against every store (see `StoreKind`). These replace the
/// in-memory store's own tests, so a change in either store shows up here for both.
@Suite("Session store semantics (memory and PostgreSQL)")
struct SessionStoreSemanticsTests {
    private func answered(_ store: any SessionStore, _ question: String, in id: SessionID? = nil) async throws -> SessionID {
        let opened = try await store.beginQuestion(in: id)
        try await store.finishQuestion(opened.lease, recording: ChatTurn(question: question, answer: "answer to \(question)"))
        return opened.id
    }

    @Test(arguments: StoreKind.underTest)
    func issuesUnguessableURLSafeIDs(kind: StoreKind) async throws {
        try await kind.withStore { store in
            var seen = Set<String>()
            for _ in 0..<50 {
                let id = try await store.beginQuestion(in: nil).id
                #expect(id.rawValue.count == 22)  // 128 bits, base64url without padding
                #expect(SessionID(validating: id.rawValue) == id)
                seen.insert(id.rawValue)
            }
            #expect(seen.count == 50)
        }
    }

    @Test(arguments: StoreKind.underTest)
    func anUnknownIDOpensANewSession(kind: StoreKind) async throws {
        try await kind.withStore { store in
            let requested = SessionID(validating: "AAAAAAAAAAAAAAAAAAAAAA")!
            let opened = try await store.beginQuestion(in: requested)
            #expect(opened.isNew)
            #expect(opened.id != requested)
            #expect(opened.turns.isEmpty)
            #expect(try await store.turns(of: requested) == nil)
        }
    }

    @Test(arguments: StoreKind.underTest)
    func keepsTurnsInOrderAndOnlyWhenRecorded(kind: StoreKind) async throws {
        try await kind.withStore { store in
            let id = try await answered(store, "one")
            _ = try await answered(store, "two", in: id)
            let failed = try await store.beginQuestion(in: id)
            #expect(!failed.isNew)
            #expect(failed.turns.map(\.question) == ["one", "two"])
            try await store.finishQuestion(failed.lease, recording: nil)
            #expect(try await store.turns(of: id)?.map(\.question) == ["one", "two"])
            #expect(try await store.turns(of: id)?.map(\.answer) == ["answer to one", "answer to two"])
        }
    }

    @Test(arguments: StoreKind.underTest)
    func keepsTextExactly(kind: StoreKind) async throws {
        try await kind.withStore { store in
            let text = "quotes \" ' \\ backslash, newline\n, tab\t, emoji 🦜, NUL-free unicode ✓ ü 漢字, SQL '); DROP TABLE x; --"
            let opened = try await store.beginQuestion(in: nil)
            try await store.finishQuestion(opened.lease, recording: ChatTurn(question: text, answer: text + "!"))
            #expect(try await store.turns(of: opened.id) == [ChatTurn(question: text, answer: text + "!")])
        }
    }

    @Test(arguments: StoreKind.underTest)
    func keepsEachTurnsCitations(kind: StoreKind) async throws {
        try await kind.withStore { store in
            let cited = [
                CitedPassage(n: 1, passageID: "q8Zk_1-a", title: "Identity \"troubleshooting\"", path: "guides/id.md",
                    heading: "Workload identity › AADSTS70021", snippet: "The token exchange failed because … ✓"),
                CitedPassage(n: 2, passageID: "b2", title: "Setup", path: "setup.md", heading: "", snippet: "Run az login."),
            ]
            let opened = try await store.beginQuestion(in: nil)
            try await store.finishQuestion(opened.lease, recording: ChatTurn(question: "with", answer: "See [1].", citations: cited))
            let next = try await store.beginQuestion(in: opened.id)
            #expect(next.turns.first?.citations == cited)
            try await store.finishQuestion(next.lease, recording: ChatTurn(question: "without", answer: "plain"))
            let turns = try #require(try await store.turns(of: opened.id))
            #expect(turns == [
                ChatTurn(question: "with", answer: "See [1].", citations: cited), ChatTurn(question: "without", answer: "plain"),
            ])
            #expect(turns[1].citations == nil)
        }
    }

    @Test(arguments: StoreKind.underTest)
    func oneQuestionAtATimePerSession(kind: StoreKind) async throws {
        try await kind.withStore { store in
            let id = try await answered(store, "one")
            let first = try await store.beginQuestion(in: id)
            await #expect(throws: SessionStoreError.busy(id)) { try await store.beginQuestion(in: id) }
            // Other sessions are not affected.
            _ = try await store.beginQuestion(in: nil)
            try await store.finishQuestion(first.lease, recording: nil)
            let again = try await store.beginQuestion(in: id)
            #expect(again.id == id)
        }
    }

    @Test(arguments: StoreKind.underTest)
    func replicasShareSessionsAndTheBusyState(kind: StoreKind) async throws {
        try await kind.withReplicas { a, b in
            let id = try await answered(a, "asked on a")
            let inFlight = try await b.beginQuestion(in: id)
            #expect(inFlight.turns.map(\.question) == ["asked on a"])
            await #expect(throws: SessionStoreError.busy(id)) { try await a.beginQuestion(in: id) }
            try await b.finishQuestion(inFlight.lease, recording: ChatTurn(question: "asked on b", answer: "x"))
            #expect(try await a.turns(of: id)?.map(\.question) == ["asked on a", "asked on b"])
        }
    }

    @Test(arguments: StoreKind.underTest)
    func aLeaseFinishesOnlyOnce(kind: StoreKind) async throws {
        try await kind.withStore { store in
            let id = try await answered(store, "one")
            let lease = try await store.beginQuestion(in: id).lease
            try await store.finishQuestion(lease, recording: ChatTurn(question: "two", answer: "x"))
            // A repeated finish (a retry after a lost reply) records nothing more.
            try await store.finishQuestion(lease, recording: ChatTurn(question: "two", answer: "x"))
            let next = try await store.beginQuestion(in: id)
            try await store.finishQuestion(lease, recording: ChatTurn(question: "stale", answer: "x"))
            try await store.finishQuestion(next.lease, recording: nil)
            #expect(try await store.turns(of: id)?.map(\.question) == ["one", "two"])
        }
    }

    @Test(arguments: StoreKind.underTest)
    func keepsAtMostMaxTurnsDroppingTheOldest(kind: StoreKind) async throws {
        try await kind.withStore(limits: SessionLimits(maxTurns: 3)) { store in
            var id: SessionID?
            for index in 1...5 { id = try await answered(store, "q\(index)", in: id) }
            #expect(try await store.turns(of: id!)?.map(\.question) == ["q3", "q4", "q5"])
        }
    }

    @Test(arguments: StoreKind.underTest)
    func evictsTheLeastRecentlyUsedSessionBeyondCapacity(kind: StoreKind) async throws {
        // The clock stands still: recency is the order of use, not of timestamps.
        try await kind.withStore(limits: SessionLimits(maxSessions: 3)) { store in
            let a = try await answered(store, "a")
            let b = try await answered(store, "b")
            let c = try await answered(store, "c")
            _ = try await store.turns(of: a)  // a is now more recent than b
            let d = try await answered(store, "d")
            #expect(try await store.turns(of: b) == nil)
            #expect(try await store.turns(of: a) != nil)
            #expect(try await store.turns(of: c) != nil)
            #expect(try await store.turns(of: d) != nil)
            #expect(try await store.count() == 3)
        }
    }

    @Test(arguments: StoreKind.underTest)
    func expiresIdleSessionsAfterTheTTL(kind: StoreKind) async throws {
        let clock = ManualClock()
        try await kind.withStore(limits: SessionLimits(idleTTL: .seconds(3600)), clock: clock) { store in
            let idle = try await answered(store, "idle")
            let busy = try await answered(store, "busy")
            clock.advance(by: 3000)
            _ = try await store.turns(of: busy)  // use resets the idle clock
            clock.advance(by: 700)
            #expect(try await store.turns(of: idle) == nil)
            #expect(try await store.turns(of: busy)?.count == 1)
            #expect(try await store.count() == 1)
            // An expired id asked again starts a new session.
            let reopened = try await store.beginQuestion(in: idle)
            #expect(reopened.isNew)
            #expect(reopened.id != idle)
        }
    }

    @Test(arguments: StoreKind.underTest)
    func deletingForgetsTheSessionAndALateAnswerIsDropped(kind: StoreKind) async throws {
        try await kind.withStore { store in
            let id = try await answered(store, "one")
            let lease = try await store.beginQuestion(in: id).lease
            try await store.delete(id)
            try await store.finishQuestion(lease, recording: ChatTurn(question: "late", answer: "x"))
            #expect(try await store.turns(of: id) == nil)
            try await store.delete(id)  // unknown ids are fine
            #expect(try await store.count() == 0)
        }
    }
}
