import Foundation
import Testing

@testable import ParleyChat

@Suite("In-memory session store")
struct InMemorySessionStoreTests {
    private func answered(_ store: InMemorySessionStore, _ question: String, in id: SessionID? = nil) async throws -> SessionID {
        let opened = try await store.beginQuestion(in: id)
        try await store.finishQuestion(opened.lease, recording: ChatTurn(question: question, answer: "answer to \(question)"))
        return opened.id
    }

    @Test func issuesUnguessableURLSafeIDs() async throws {
        let store = InMemorySessionStore()
        var seen = Set<String>()
        for _ in 0..<200 {
            let id = try await store.beginQuestion(in: nil).id
            #expect(id.rawValue.count == 22)  // 128 bits, base64url without padding
            #expect(SessionID(validating: id.rawValue) == id)
            seen.insert(id.rawValue)
        }
        #expect(seen.count == 200)
    }

    @Test func anUnknownIDOpensANewSession() async throws {
        let store = InMemorySessionStore()
        let requested = SessionID(validating: "AAAAAAAAAAAAAAAAAAAAAA")!
        let opened = try await store.beginQuestion(in: requested)
        #expect(opened.isNew)
        #expect(opened.id != requested)
    }

    @Test func keepsTurnsInOrderAndOnlyWhenRecorded() async throws {
        let store = InMemorySessionStore()
        let id = try await answered(store, "one")
        _ = try await answered(store, "two", in: id)
        let failed = try await store.beginQuestion(in: id)
        try await store.finishQuestion(failed.lease, recording: nil)
        #expect(try await store.turns(of: id)?.map(\.question) == ["one", "two"])
    }

    @Test func oneQuestionAtATimePerSession() async throws {
        let store = InMemorySessionStore()
        let id = try await answered(store, "one")
        let first = try await store.beginQuestion(in: id)
        await #expect(throws: SessionStoreError.busy(id)) { try await store.beginQuestion(in: id) }
        // Other sessions are not affected.
        _ = try await store.beginQuestion(in: nil)
        try await store.finishQuestion(first.lease, recording: nil)
        _ = try await store.beginQuestion(in: id)
    }

    @Test func keepsAtMostMaxTurnsDroppingTheOldest() async throws {
        let store = InMemorySessionStore(limits: SessionLimits(maxTurns: 3))
        var id: SessionID?
        for index in 1...5 { id = try await answered(store, "q\(index)", in: id) }
        #expect(try await store.turns(of: id!)?.map(\.question) == ["q3", "q4", "q5"])
    }

    @Test func evictsTheLeastRecentlyUsedSessionBeyondCapacity() async throws {
        let store = InMemorySessionStore(limits: SessionLimits(maxSessions: 3))
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

    @Test func expiresIdleSessionsAfterTheTTL() async throws {
        let clock = ManualClock()
        let store = InMemorySessionStore(limits: SessionLimits(idleTTL: .seconds(3600)), now: { clock.now() })
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

    @Test func deletingForgetsTheSessionAndALateAnswerIsDropped() async throws {
        let store = InMemorySessionStore()
        let id = try await answered(store, "one")
        let lease = try await store.beginQuestion(in: id).lease
        await store.delete(id)
        try await store.finishQuestion(lease, recording: ChatTurn(question: "late", answer: "x"))
        #expect(try await store.turns(of: id) == nil)
    }
}
