import ArgumentParser

// Placeholder: the Azure OpenAI fake's command is written with ParleyTestSupport's FakeAzureOpenAI.
struct FakeOpenAICommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "openai")
    func run() async throws {}
}
