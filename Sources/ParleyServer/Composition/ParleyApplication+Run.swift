import AsyncHTTPClient
import Foundation
import Logging
import ParleyAzureOpenAI
import ParleyOutbound
import ServiceLifecycle

extension ParleyApplication {
    /// `parley serve`: owns the process's one outbound HTTP client (Entra, IMDS, Azure OpenAI), runs the
    /// application until SIGTERM or SIGINT, and shuts the client down at the end, so the executable
    /// wires nothing itself.
    public static func run(settings: ParleySettings) async throws {
        // A log reader that goes away (a closed stderr pipe) must not end the server: writes then
        // fail with EPIPE instead of raising SIGPIPE, whose default action kills the process.
        signal(SIGPIPE, SIG_IGN)
        ParleyLogging.bootstrap(format: settings.logFormat, level: settings.logLevel)
        let logger = Logger(label: "parley")
        // Connect 10 s and an idle gap of at most 60 s between bytes (the first-byte limit), as the
        // Azure OpenAI client's configuration defines them; AHC 1.37 reports a refused connection
        // only when the connect timeout ends, so it stays short.
        try await withOutboundClient(settings: settings, timeout: AzureOpenAIConfiguration.defaultHTTPClientTimeout) { httpClient in
            let app = try build(settings: settings, dependencies: .init(httpClient: httpClient, logger: logger))
            var group = ServiceGroupConfiguration(services: [app], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
            group.maximumGracefulShutdownDuration = settings.shutdownGrace
            logger.info(
                "parley serving",
                metadata: [
                    "address": "\(settings.host):\(settings.port)", "mode": "\(settings.mode.rawValue)",
                    "deployments": "\(settings.deployments.joined(separator: ","))",
                    "documents": "\(settings.documents?.directory ?? "none")",
                ])
            try await ServiceGroup(configuration: group).run()
        }
    }

    /// Runs `body` with an outbound client built from the settings and shuts it down afterwards,
    /// whatever `body` throws (`parley doctor` builds its own with a shorter connect timeout).
    public static func withOutboundClient<Value>(
        settings: ParleySettings, timeout: HTTPClient.Configuration.Timeout, _ body: (OutboundHTTPClient) async throws -> Value
    ) async throws -> Value {
        let client = OutboundHTTPClient(
            options: .init(timeout: timeout, connectionsPerHost: settings.upstreamConnections, proxy: settings.proxy))
        let value: Value
        do {
            value = try await body(client)
        } catch {
            try? await client.shutdown()
            throw error
        }
        try await client.shutdown()
        return value
    }
}
