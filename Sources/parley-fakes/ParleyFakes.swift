import ArgumentParser

/// Loopback fakes of the Azure services Parley talks to, for the browser suite, the benchmark and
/// manual runs. Each subcommand prints `listening on 127.0.0.1:<port>` as its first line.
@main
struct ParleyFakes: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "parley-fakes",
        abstract: "Loopback fakes of Azure OpenAI and Microsoft Entra for tests and benchmarks.",
        subcommands: [FakeOpenAICommand.self, FakeEntraCommand.self]
    )
}
