import ArgumentParser
import AsyncHTTPClient
import Foundation
import Logging
import ParleyAzureOpenAI
import ParleyServer
import ServiceLifecycle

/// `parley serve`: the chat page and the `/ask` API on PORT (8087).
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve", abstract: "Serve the chat page and the /ask API (the default).")

    func run() async throws {
        // A log reader that goes away (a closed stderr pipe) must not end the server: writes then
        // fail with EPIPE instead of raising SIGPIPE, whose default action kills the process.
        signal(SIGPIPE, SIG_IGN)
        let settings = try await SettingsLoader.load()
        ParleyLogging.bootstrap(format: settings.logFormat, level: settings.logLevel)
        let logger = Logger(label: "parley")
        // Connect 10 s and an idle gap of at most 60 s between bytes (the first-byte limit), as the
        // Azure OpenAI client's configuration defines them; AHC 1.37 reports a refused connection
        // only when the connect timeout ends, so it stays short.
        try await OutboundHTTP.run(settings: settings, timeout: AzureOpenAIConfiguration(endpoint: "").httpClientTimeout) { httpClient in
            let app = try ParleyApplication.build(
                settings: settings, dependencies: .init(httpClient: httpClient, logger: logger))
            var group = ServiceGroupConfiguration(services: [app], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
            group.maximumGracefulShutdownDuration = settings.shutdownGrace
            logger.info(
                "parley serving",
                metadata: [
                    "address": "\(settings.host):\(settings.port)", "mode": "\(settings.mode.rawValue)",
                    "deployments": "\(settings.deployments.joined(separator: ","))",
                ])
            try await ServiceGroup(configuration: group).run()
        }
    }
}
