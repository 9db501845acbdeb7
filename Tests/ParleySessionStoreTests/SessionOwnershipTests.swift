import Foundation
import ParleyChat
import ParleyTestSupport
import Testing

/// Issue 13's store semantics, for every store: sessions belong to their owner, are listed newest
/// first with a title, renamed, deleted; the limits' counters add up across replicas.
@Suite("Session ownership, lists and usage counters (memory and PostgreSQL)")
struct SessionOwnershipTests {
    private func answered(
        _ store: any SessionStore, _ question: String, owner: String?, in id: SessionID? = nil
    ) async throws -> SessionID {
        let opened = try await store.beginQuestion(in: id, owner: owner, title: SessionSummary.title(from: question))
        try await store.finishQuestion(opened.lease, recording: ChatTurn(question: question, answer: "answer to \(question)"))
        return opened.id
    }

    @Test(arguments: StoreKind.underTest)
    func anotherOwnersSessionIsUnknown(kind: StoreKind) async throws {
        try await kind.withReplicas { a, b in
            let id = try await answered(a, "secret plans", owner: "alice")
            #expect(try await b.turns(of: id, owner: "alice")?.map(\.question) == ["secret plans"])
            #expect(try await b.turns(of: id, owner: "bob") == nil)
            #expect(try await b.turns(of: id, owner: nil) == nil)
            await #expect(throws: SessionStoreError.notFound(id)) {
                try await b.beginQuestion(in: id, owner: "bob", title: "x")
            }
            #expect(try await b.rename(id, owner: "bob", to: "mine") == false)
            #expect(try await b.delete(id, owner: "bob") == false)
            // Anonymous askers keep the old rule: someone else's id is unknown, so a new session.
            let anonymous = try await b.beginQuestion(in: id, owner: nil, title: "")
            #expect(anonymous.isNew && anonymous.id != id)
            // A signed-in owner asking in an unknown id gets the same answer as for someone else's.
            let unknown = SessionID(validating: "AAAAAAAAAAAAAAAAAAAAAA")!
            await #expect(throws: SessionStoreError.notFound(unknown)) {
                try await a.beginQuestion(in: unknown, owner: "alice", title: "x")
            }
            // Alice's session is untouched and continues.
            _ = try await answered(b, "more plans", owner: "alice", in: id)
            #expect(try await a.turns(of: id, owner: "alice")?.count == 2)
            #expect(try await a.delete(id, owner: "alice"))
            #expect(try await a.turns(of: id, owner: "alice") == nil)
        }
    }

    @Test(arguments: StoreKind.underTest)
    func listsAnOwnersLiveSessionsNewestFirst(kind: StoreKind) async throws {
        let clock = ManualClock()
        try await kind.withReplicas(limits: SessionLimits(idleTTL: .seconds(3600)), clock: clock) { a, b in
            let start = clock.now()
            let first = try await answered(a, "first question", owner: "alice")
            clock.advance(by: 10)
            let second = try await answered(b, "second question", owner: "alice")
            clock.advance(by: 10)
            let third = try await answered(a, "third question", owner: "alice")
            _ = try await answered(a, "bob's", owner: "bob")
            _ = try await answered(a, "anonymous", owner: nil)
            clock.advance(by: 10)
            _ = try await answered(b, "first again", owner: "alice", in: first)  // now the newest

            let listed = try await b.sessions(of: "alice", limit: 100, before: nil)
            #expect(listed.map(\.id) == [first, third, second])
            #expect(listed.map(\.title) == ["first question", "third question", "second question"])
            #expect(abs(listed[0].createdAt.timeIntervalSince(start)) < 0.001)
            #expect(abs(listed[0].updatedAt.timeIntervalSince(start.addingTimeInterval(30))) < 0.001)

            let page = try await a.sessions(of: "alice", limit: 2, before: nil)
            #expect(page.map(\.id) == [first, third])
            let next = try await a.sessions(of: "alice", limit: 2, before: page.last!.updatedAt)
            #expect(next.map(\.id) == [second])

            #expect(try await a.rename(second, owner: "alice", to: "Renamed"))
            #expect(try await b.sessions(of: "alice", limit: 100, before: nil).first { $0.id == second }?.title == "Renamed")
            #expect(try await b.sessions(of: "bob", limit: 100, before: nil).map(\.title) == ["bob's"])
            #expect(try await b.sessions(of: "carol", limit: 100, before: nil).isEmpty)

            // Expired sessions are not listed.
            clock.advance(by: 3600 - 5)
            #expect(try await a.sessions(of: "alice", limit: 100, before: nil).map(\.id) == [first])
        }
    }

    @Test func titlesComeFromTheFirstQuestionTrimmed() {
        #expect(SessionSummary.title(from: "  hello\n\tworld  ") == "hello world")
        let long = SessionSummary.title(from: String(repeating: "word ", count: 40))
        #expect(long.count == 80)
        #expect(long.hasSuffix("…"))
        #expect(SessionSummary.title(from: "bell\u{7} ring") == "bell ring")
    }

    @Test(arguments: StoreKind.underTest)
    func usageCountersAddUpAcrossReplicas(kind: StoreKind) async throws {
        try await kind.withCounters { a, b in
            let window = Date(timeIntervalSince1970: 1_800_000_000)
            let counts = try await withThrowingTaskGroup(of: Int.self) { group in
                for index in 0..<20 {
                    let store = index.isMultiple(of: 2) ? a : b
                    group.addTask { try await store.countQuestion(for: "user:alice", window: window) }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(counts.sorted() == Array(1...20))
            #expect(try await b.questions(for: "user:alice", window: window) == 20)
            #expect(try await a.questions(for: "user:bob", window: window) == 0)
            let nextWindow = window.addingTimeInterval(60)
            #expect(try await b.countQuestion(for: "user:alice", window: nextWindow) == 1)

            let day = Date(timeIntervalSince1970: 1_799_971_200)
            #expect(try await a.addTokens(120, for: "address:192.0.2.1", day: day) == 120)
            #expect(try await b.addTokens(30, for: "address:192.0.2.1", day: day) == 150)
            #expect(try await a.tokens(for: "address:192.0.2.1", day: day) == 150)
            #expect(try await a.tokens(for: "address:192.0.2.1", day: day.addingTimeInterval(86_400)) == 0)
        }
    }
}
