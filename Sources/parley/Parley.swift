import ArgumentParser

/// `parley`: serve (the default), doctor, config.
@main
struct Parley: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "parley",
        abstract: "A chat service for Azure OpenAI with keyless Microsoft Entra sign-in.",
        subcommands: [ServeCommand.self, DoctorCommand.self, ConfigCommand.self],
        defaultSubcommand: ServeCommand.self
    )
}
