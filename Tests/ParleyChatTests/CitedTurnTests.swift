import Foundation
import ParleyChat
import Testing

/// What a stored turn keeps of its citations, and that turns stored before it existed still read.
@Suite("Turns keep their citations")
struct CitedTurnTests {
    static func citation(_ n: Int, text: String = "Run az login before make run.") -> Citation {
        Citation(n: n, passage: DocumentPassage(
            id: "p\(n)", path: "setup.md", title: "Setup", headings: ["Setup", "Sign in"], lineStart: 1, lineEnd: 3, text: text))
    }

    @Test func anOldRowWithoutCitationsStillDecodes() throws {
        let old = #"[{"question":"How do I sign in?","answer":"With az login."}]"#
        let turns = try JSONDecoder().decode([ChatTurn].self, from: Data(old.utf8))
        #expect(turns == [ChatTurn(question: "How do I sign in?", answer: "With az login.")])
        #expect(turns[0].citations == nil)
    }

    @Test func aTurnWithoutCitationsEncodesAsBefore() throws {
        let json = String(decoding: try JSONEncoder().encode(ChatTurn(question: "q", answer: "a")), as: UTF8.self)
        #expect(!json.contains("citations"))
    }

    @Test func citationsRoundTripWithoutThePassageText() throws {
        let long = String(repeating: "passage words\n", count: 100)
        let turn = ChatTurn(question: "q", answer: "a [1]", citations: CitedPassage.kept(from: [Self.citation(1, text: long)]))
        let data = try JSONEncoder().encode(turn)
        let json = String(decoding: data, as: UTF8.self)
        #expect(json.contains(#""passage_id":"p1""#))
        #expect(json.count < long.count, "the stored turn has a snippet, not the passage")
        let decoded = try JSONDecoder().decode(ChatTurn.self, from: data)
        #expect(decoded == turn)
        let kept = try #require(decoded.citations?.first)
        #expect(kept.n == 1 && kept.title == "Setup" && kept.path == "setup.md" && kept.heading == "Setup › Sign in")
        #expect(kept.snippet.count <= CitedPassage.snippetChars && kept.snippet.hasSuffix("…"))
    }

    @Test func aTurnKeepsAtMostTenAndNoneWhenThereWereNone() {
        let many = (1...25).map { Self.citation($0) }
        #expect(CitedPassage.kept(from: many)?.map(\.n) == Array(1...CitedPassage.maxPerTurn))
        #expect(CitedPassage.kept(from: []) == nil)
        #expect(CitedPassage.kept(from: nil) == nil)
    }
}
