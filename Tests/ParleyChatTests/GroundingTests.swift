import Foundation
import Logging
import ParleyTestSupport
import Testing

@testable import ParleyChat

/// A retriever over a fixed list, for the chat layer alone: a passage matches when it shares a word
/// with the query. The real index (ParleyDocuments) is tested in its own suite and end to end in
/// ParleyServerTests.
private struct ListRetriever: PassageRetriever {
    let passages: [DocumentPassage]
    var fails = false

    struct Broken: Error, CustomStringConvertible {
        var description: String { "the index file is gone" }
    }

    func search(_ query: String, limit: Int) async throws -> [DocumentPassage] {
        if fails { throw Broken() }
        let words = Set(query.lowercased().split { !$0.isLetter })
        return Array(passages.filter { !words.isDisjoint(with: $0.text.lowercased().split { !$0.isLetter }) }.prefix(limit))
    }

    func passage(id: String) async throws -> DocumentPassage? { passages.first { $0.id == id } }
}

private func passage(_ id: String, _ text: String, headings: [String] = ["Setup", "Sign in"]) -> DocumentPassage {
    DocumentPassage(id: id, path: "setup/\(id).md", title: "Setup", headings: headings, lineStart: 3, lineEnd: 9, text: text)
}

private let corpus = [
    passage("login", "Run az login before make run. The token comes from the Azure CLI."),
    passage("role", "Give yourself the Cognitive Services OpenAI User role with make assign-local-role. Role changes can take 30 minutes."),
    passage("deploy", "kubectl apply -f release deploys Parley to AKS.", headings: ["Deploy"]),
]

@Suite("Answers grounded in the team's documents")
struct GroundingTests {
    private func service(
        _ retriever: some PassageRetriever, budget: Int = 1500, logger: Logger = Logger(label: "test")
    ) -> ChatService {
        ChatService(
            store: InMemorySessionStore(), model: OfflineResponder(wordDelay: .zero),
            prompt: PromptBuilder(systemPrompt: "sys", historyTokenBudget: 3000), logger: logger,
            grounding: DocumentGrounding(retriever: retriever, tokenBudget: budget))
    }

    @Test func thePromptCarriesNumberedPassagesAndTheCitationRule() {
        let citations = DocumentGrounding.fitting(corpus, budget: 1500)
        let messages = PromptBuilder(systemPrompt: "sys", historyTokenBudget: 3000)
            .messages(history: [ChatTurn(question: "q0", answer: "a0")], question: "How do I sign in?", citations: citations)
        #expect(messages.count == 4)
        let system = messages[0].content
        #expect(system.hasPrefix("sys\n\n" + PromptBuilder.citationRule))
        #expect(system.contains("[1] Setup › Sign in (setup/login.md)\nRun az login before make run."))
        #expect(system.contains("[2] Setup › Sign in (setup/role.md)"))
        #expect(system.contains("[3] Setup › Deploy (setup/deploy.md)\nkubectl apply"))
        #expect(messages.last == ChatMessage(role: .user, content: "How do I sign in?"))
    }

    @Test func passagesStayWithinTheirOwnBudget() {
        let long = passage("long", String(repeating: "word ", count: 400))  // ~500 tokens
        let small = passage("small", "short text")
        let budget = DocumentGrounding.estimatedTokens(small) + 100
        let fitted = DocumentGrounding.fitting([long, small, small], budget: budget)
        // The long passage does not fit and is left out; the smaller one after it goes in once, as [1].
        #expect(fitted == [Citation(n: 1, passage: small)])
        let total = DocumentGrounding.fitting(corpus, budget: 60).reduce(0) { $0 + DocumentGrounding.estimatedTokens($1.passage) }
        #expect(total <= 60)
        #expect(DocumentGrounding.fitting(corpus, budget: 0).isEmpty)
    }

    @Test func withoutDocumentsThePromptIsAsBefore() {
        let builder = PromptBuilder(systemPrompt: "sys", historyTokenBudget: 3000)
        #expect(builder.messages(history: [], question: "q") == [
            ChatMessage(role: .system, content: "sys"), ChatMessage(role: .user, content: "q"),
        ])
        let none = builder.messages(history: [], question: "q", citations: [])
        #expect(none[0].content == "sys\n\n" + PromptBuilder.noPassagesRule)
    }

    @Test func citationsComeBeforeTheFirstDeltaAndWithTheAnswer() async throws {
        let order = PiecesCollector()
        let answer = try await service(ListRetriever(passages: corpus)).answer(
            "How does login work?", in: nil, deployment: "offline",
            onDelta: { _ in await order.add("delta") },
            onCitations: { citations in await order.add("citations:\(citations.map(\.n))") })
        let events = await order.all
        #expect(events.first == "citations:[1]")
        #expect(events.dropFirst().allSatisfy { $0 == "delta" } && events.count > 2)
        #expect(answer.citations == [Citation(n: 1, passage: corpus[0])])
    }

    @Test func theStoredTurnKeepsTheCitationsItWasGiven() async throws {
        let store = InMemorySessionStore()
        let chat = ChatService(
            store: store, model: OfflineResponder(wordDelay: .zero),
            prompt: PromptBuilder(systemPrompt: "sys", historyTokenBudget: 3000), logger: Logger(label: "test"),
            grounding: DocumentGrounding(retriever: ListRetriever(passages: corpus), tokenBudget: 1500))
        let answer = try await chat.answer("How does login work?", in: nil, deployment: "offline")
        let turns = try #require(try await store.turns(of: answer.sessionID))
        #expect(turns.last?.citations == [CitedPassage(Citation(n: 1, passage: corpus[0]))])
        #expect(turns.last?.citations?.first?.passageID == "login")

        // A question that matches nothing stores no citations: the turn looks as it did before.
        let unmatched = try await chat.answer("Quantum chromodynamics?", in: nil, deployment: "offline")
        #expect(unmatched.citations == [])
        #expect(try await store.turns(of: unmatched.sessionID)?.last?.citations == nil)
    }

    @Test func anAnswerStoppedMidwayKeepsItsCitationsToo() async throws {
        struct Gone: Error {}
        let store = InMemorySessionStore()
        let chat = ChatService(
            store: store, model: OfflineResponder(wordDelay: .zero),
            prompt: PromptBuilder(systemPrompt: "sys", historyTokenBudget: 3000), logger: Logger(label: "test"),
            grounding: DocumentGrounding(retriever: ListRetriever(passages: corpus), tokenBudget: 1500))
        let first = try await chat.answer("hello", in: nil, deployment: "offline")
        let deltas = PiecesCollector()
        await #expect(throws: Gone.self) {
            _ = try await chat.answer("How long do role changes take?", in: first.sessionID, deployment: "offline", onDelta: { text in
                await deltas.add(text)
                if await deltas.all.count >= 3 { throw Gone() }
            })
        }
        let stopped = try #require(try await store.turns(of: first.sessionID)?.last)
        #expect(stopped.question == "How long do role changes take?")
        #expect(!stopped.answer.isEmpty)
        #expect(stopped.citations?.map(\.passageID) == ["role"])
    }

    @Test func offlineTheAnswerQuotesTheBestPassagesWithTheirNumbers() async throws {
        let answer = try await service(ListRetriever(passages: corpus)).answer(
            "How long do role changes take?", in: nil, deployment: "offline")
        #expect(answer.citations?.map(\.passage.id) == ["role"])
        #expect(answer.text.contains("offline mode"))
        #expect(answer.text.contains("> Give yourself the Cognitive Services OpenAI User role with make assign-local-role. Role changes can take 30 minutes. [1]"))
        #expect(answer.text.contains("— *Setup › Sign in* (`setup/role.md`)"))
        #expect(!answer.text.contains("You asked"))
    }

    @Test func offlineWithDocumentsButNoMatchSaysSo() async throws {
        let answer = try await service(ListRetriever(passages: corpus)).answer("Quantum chromodynamics?", in: nil, deployment: "offline")
        #expect(answer.citations == [])
        #expect(answer.text.contains("nothing in your documents matches “Quantum chromodynamics?”"))
    }

    @Test func offlineWithoutDocumentsTheReplyIsAsBefore() async throws {
        let chat = ChatService(
            store: InMemorySessionStore(), model: OfflineResponder(wordDelay: .zero),
            prompt: PromptBuilder(systemPrompt: "sys", historyTokenBudget: 3000), logger: Logger(label: "test"))
        let answer = try await chat.answer("hello", in: nil, deployment: "offline")
        #expect(answer.citations == nil)
        #expect(answer.text == OfflineResponder.reply(to: [ChatMessage(role: .user, content: "hello")]))
    }

    @Test func aFailingRetrieverIsLoggedAndTheAnswerGoesOnUngrounded() async throws {
        let capture = LogCapture()
        let answer = try await service(ListRetriever(passages: corpus, fails: true), logger: capture.logger()).answer(
            "How does login work?", in: nil, deployment: "offline")
        #expect(answer.citations == [])
        #expect(!answer.text.isEmpty)
        let logged = capture.lines(containing: "document retrieval failed; answering without documents (ungrounded)")
        #expect(logged.count == 1)
        #expect(logged.first?.contains("the index file is gone") == true)
    }

    @Test func aShortFollowUpIsSearchedWithThePreviousQuestion() async throws {
        let chat = service(ListRetriever(passages: corpus))
        let first = try await chat.answer("Tell me about kubectl", in: nil, deployment: "offline")
        #expect(first.citations?.map(\.passage.id) == ["deploy"])
        let followUp = try await chat.answer("And then?", in: first.sessionID, deployment: "offline")
        #expect(followUp.citations?.map(\.passage.id) == ["deploy"])
        let turns = [ChatTurn(question: "Tell me about kubectl", answer: "…")]
        #expect(DocumentGrounding.query(for: "And then?", history: turns) == "Tell me about kubectl\nAnd then?")
        #expect(DocumentGrounding.query(for: "How long do role changes take?", history: turns) == "How long do role changes take?")
        #expect(DocumentGrounding.query(for: "And then?", history: []) == "And then?")
    }

    @Test func theQuoteIsTheRunOfSentencesThatSharesTheQuestionsWords() {
        let text = """
            Parley has many settings. Most have defaults.
            The history budget is PARLEY_HISTORY_TOKENS. The context budget is PARLEY_CONTEXT_TOKENS, separate from history.
            Nothing else here.
            """
        let quote = ExtractiveAnswer.quote(from: text, terms: ExtractiveAnswer.terms(of: "What is the context budget?"))
        #expect(quote.hasPrefix("The history budget is PARLEY_HISTORY_TOKENS. The context budget is PARLEY_CONTEXT_TOKENS"))
        // Markdown wraps sentences across lines: a paragraph's lines are joined; list items stay apart.
        #expect(ExtractiveAnswer.sentences(of: "The role is still\npropagating, up to 30 minutes. Then\nit works.\n- an item\n\n# Next") == [
            "The role is still propagating, up to 30 minutes.", "Then it works.", "- an item", "# Next",
        ])
        let long = ExtractiveAnswer.quote(from: String(repeating: "budget ", count: 200), terms: ["budget"])
        #expect(long.count <= ExtractiveAnswer.maxQuoteChars + 2 && long.hasSuffix(" …"))
    }
}
