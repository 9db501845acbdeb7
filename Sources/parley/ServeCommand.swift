import ArgumentParser
import ParleyServer

/// `parley serve`: the chat page and the `/ask` API on PORT (8087).
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve", abstract: "Serve the chat page and the /ask API (the default).")

    func run() async throws {
        let settings = try await SettingsLoader.load()
        do {
            try await ParleyApplication.run(settings: settings)
        } catch let error as SettingsError {
            // A bad setting found while building the application ends the process as at start.
            throw SettingsLoader.fail(error)
        }
    }
}
