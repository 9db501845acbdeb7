import ArgumentParser

// Placeholder: the Entra/IMDS fake's command is written with ParleyTestSupport's FakeEntra.
struct FakeEntraCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "entra")
    func run() async throws {}
}
