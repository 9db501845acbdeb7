import Foundation
import Logging
import Testing

@testable import ParleyChat

@Suite("Chat service with the offline responder")
struct ChatServiceTests {
    private func service(_ store: InMemorySessionStore = InMemorySessionStore()) -> ChatService {
        ChatService(
            store: store, model: OfflineResponder(wordDelay: .zero),
            prompt: PromptBuilder(systemPrompt: "sys", historyTokenBudget: 3000), logger: Logger(label: "test"))
    }

    @Test func recallsThePreviousQuestionOfTheSession() async throws {
        let chat = service()
        let first = try await chat.answer("first question", in: nil, deployment: "offline")
        #expect(first.text.contains("offline mode"))
        let second = try await chat.answer("second question", in: first.sessionID, deployment: "offline")
        #expect(second.sessionID == first.sessionID)
        #expect(second.text.contains("before that you asked “first question”"))
    }

    @Test func deltasJoinToTheAnswer() async throws {
        let pieces = PiecesCollector()
        let answer = try await service().answer("hello", in: nil, deployment: "offline") { await pieces.add($0) }
        #expect(await pieces.joined == answer.text)
        #expect(await pieces.count > 10)
    }

    @Test func aCallerThatGoesAwayKeepsWhatWasDelivered() async throws {
        let store = InMemorySessionStore()
        let chat = service(store)
        let pieces = PiecesCollector()
        struct Gone: Error {}
        let pending = try await chat.open("stop me", in: nil, deployment: "offline")
        await #expect(throws: Gone.self) {
            _ = try await pending.run { piece in
                if await pieces.count == 3 { throw Gone() }
                await pieces.add(piece)
            }
        }
        let turns = try await store.turns(of: pending.sessionID)
        #expect(turns == [ChatTurn(question: "stop me", answer: await pieces.joined)])
    }

    @Test func aPendingAnswerDroppedUnrunReleasesItsSession() async throws {
        let store = InMemorySessionStore()
        let chat = service(store)
        var pending: PendingAnswer? = try await chat.open("never run", in: nil, deployment: "offline")
        let id = pending!.sessionID
        pending = nil
        _ = pending
        // The release runs in a task of its own; the session takes a new question once it has.
        var reopened: OpenedSession?
        for _ in 0..<200 {
            if let opened = try? await store.beginQuestion(in: id) { reopened = opened; break }
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(reopened?.id == id)
        #expect(reopened?.turns.isEmpty == true)
    }
}

actor PiecesCollector {
    private var pieces: [String] = []
    func add(_ piece: String) { pieces.append(piece) }
    var joined: String { pieces.joined() }
    var count: Int { pieces.count }
    var all: [String] { pieces }
}

@Suite("Session ids")
struct SessionIDTests {
    @Test func randomIdsAre22Base64URLCharactersAndDistinct() {
        let ids = (0..<1000).map { _ in SessionID.random().rawValue }
        #expect(Set(ids).count == 1000)
        #expect(ids.allSatisfy { SessionID(validating: $0) != nil })
    }

    @Test func base64URLMatchesFoundationsEncoding() {
        for length in [0, 1, 2, 3, 15, 16, 17] {
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 250) }
            let expected = Data(bytes).base64EncodedString()
                .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
                .replacingOccurrences(of: "=", with: "")
            #expect(SessionID.base64URL(bytes) == expected, "\(length) bytes")
        }
    }
}
