import ArgumentParser
import ParleyServer

/// `parley config`: the configuration Parley would use (never a secret's value), or with
/// `--variables` every environment variable name it reads.
struct ConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config", abstract: "Show the configuration Parley would use, or the variables it reads.")

    @Flag(help: "Print every environment variable name Parley reads, one per line.")
    var variables = false

    func run() async throws {
        if variables {
            for name in ParleySettings.variableNames { print(name) }
            return
        }
        let settings = try await SettingsLoader.load()
        for (name, value) in settings.summary { print("\(name): \(value)") }
    }
}
