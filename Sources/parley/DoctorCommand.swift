import ArgumentParser
import AsyncHTTPClient
import Foundation
import Logging
import ParleyIdentity
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
        // The report is the output: log lines would only repeat it, so only errors are logged
        // (to stderr) unless LOG_LEVEL asks for debug or trace.
        ParleyLogging.bootstrap(format: settings.logFormat, level: settings.logLevel <= .debug ? settings.logLevel : .error)
        // A person is waiting: one retry and 10 s per Entra attempt (instead of the server's three
        // and 15 s) keep an unreachable Entra to about 20 s; the report then says it was unreachable.
        var identity = IdentityOptions()
        identity.entraAttemptTimeout = .seconds(10)
        identity.entraRetry.maxRetries = 1
        // A refused or black-holed connection must not stall the doctor (AHC reports a refusal
        // only when the connect timeout ends, 1.37).
        let report = try await OutboundHTTP.run(settings: settings, timeout: .init(connect: .seconds(5))) { httpClient in
            try await Doctor(settings: settings, httpClient: httpClient, logger: Logger(label: "parley.doctor"),
                             options: .init(sendsChatRequest: !noCall, identity: identity)).run()
        }
        if json {
            FileHandle.standardOutput.write(try report.jsonData() + Data("\n".utf8))
        } else {
            FileHandle.standardOutput.write(Data(report.render().utf8))
        }
        if report.exitCode != 0 { throw ExitCode(report.exitCode) }
    }
}
