import Testing

@testable import ParleyChat

@Suite("Prompt assembly within the history budget")
struct PromptBuilderTests {
    private func turns(_ count: Int, size: Int) -> [ChatTurn] {
        (1...count).map { ChatTurn(question: "q\($0)" + String(repeating: "x", count: size), answer: "a\($0)" + String(repeating: "y", count: size)) }
    }

    @Test func estimatesTokensAsCharsOverFourPlusThree() {
        #expect(PromptBuilder.estimatedTokens(ChatMessage(role: .user, content: "")) == 3)
        #expect(PromptBuilder.estimatedTokens(ChatMessage(role: .user, content: "abcd")) == 4)
        #expect(PromptBuilder.estimatedTokens(ChatMessage(role: .user, content: "abcde")) == 5)
    }

    @Test func sendsSystemPromptTheNewestWholeTurnsThatFitAndTheQuestion() {
        // Each message: 38 chars → 10 + 3 = 13 tokens, so a turn costs 26.
        let history = turns(5, size: 36)
        let builder = PromptBuilder(systemPrompt: "be brief", historyTokenBudget: 60)
        let messages = builder.messages(history: history, question: "now?")
        #expect(messages.first == ChatMessage(role: .system, content: "be brief"))
        #expect(messages.last == ChatMessage(role: .user, content: "now?"))
        let kept = messages.dropFirst().dropLast()
        #expect(kept.count == 4)  // two whole turns: 52 ≤ 60 < 78
        #expect(kept.first?.content.hasPrefix("q4") == true)
        #expect(kept.map(\.role) == [.user, .assistant, .user, .assistant])
    }

    @Test func aBudgetOfZeroStillSendsSystemPromptAndQuestion() {
        let messages = PromptBuilder(systemPrompt: "sys", historyTokenBudget: 0).messages(history: turns(3, size: 10), question: "q")
        #expect(messages.map(\.role) == [.system, .user])
    }

    @Test func anOversizedNewestTurnDropsEverythingOlderToo() {
        var history = turns(2, size: 4)
        history.append(ChatTurn(question: String(repeating: "z", count: 4000), answer: "ok"))
        let messages = PromptBuilder(systemPrompt: "", historyTokenBudget: 100).messages(history: history, question: "q")
        #expect(messages == [ChatMessage(role: .user, content: "q")])
    }
}
