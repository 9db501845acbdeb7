import ArgumentParser

// Placeholder: `parley doctor` is being written (identity issue).
struct DoctorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "doctor", abstract: "Explain why the identity setup works or fails.")
    func run() async throws {}
}
