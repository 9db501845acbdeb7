import ArgumentParser
import AsyncHTTPClient
import ParleyOutbound
import ParleyServer

/// The process's one outbound HTTP client for Entra, IMDS and Azure OpenAI, shut down when the command ends.
enum OutboundHTTP {
    /// Runs `body` with the client; a bad setting found on the way ends the process as at start (exit 2).
    static func run<Value>(
        settings: ParleySettings, timeout: HTTPClient.Configuration.Timeout, _ body: (OutboundHTTPClient) async throws -> Value
    ) async throws -> Value {
        let client = OutboundHTTPClient(
            options: .init(timeout: timeout, connectionsPerHost: settings.upstreamConnections, proxy: settings.proxy))
        let value: Value
        do {
            value = try await body(client)
        } catch let error as SettingsError {
            try? await client.shutdown()
            throw SettingsLoader.fail(error)
        } catch {
            try? await client.shutdown()
            throw error
        }
        try await client.shutdown()
        return value
    }
}
