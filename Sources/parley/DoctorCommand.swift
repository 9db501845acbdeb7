import ArgumentParser
import ParleyDoctor
import ParleyServer

/// `parley doctor`: explains whether the configuration, the identity and the Azure OpenAI
/// deployment work, and what to fix when they do not. Exit 0 when everything works, 1 when a check
/// failed, 2 for a setting that would stop `parley serve` (the same one-line error).
struct DoctorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Check the configuration, the identity and one request to Azure OpenAI, and explain what to fix.")

    @Flag(help: "Print the report as JSON (for machines) instead of text.")
    var json = false

    @Flag(help: "Do not send the test chat request to Azure OpenAI.")
    var noCall = false

    func run() async throws {
        let settings = try await SettingsLoader.load()
        let report: DoctorReport
        do {
            report = try await Doctor.run(settings: settings, sendsChatRequest: !noCall)
        } catch let error as SettingsError {
            throw SettingsLoader.fail(error)
        }
        print(json ? try report.jsonText() : report.render(), terminator: json ? "\n" : "")
        if report.exitCode != 0 { throw ExitCode(report.exitCode) }
    }
}
