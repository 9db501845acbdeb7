import ArgumentParser
import AsyncHTTPClient
import ParleyServer

/// The process's one HTTP client for Entra, IMDS and Azure OpenAI, shut down when the command ends.
enum OutboundHTTP {
    /// Runs `body` with the client; a bad setting found on the way ends the process as at start (exit 2).
    static func run<Value>(
        timeout: HTTPClient.Configuration.Timeout, _ body: (HTTPClient) async throws -> Value
    ) async throws -> Value {
        var configuration = HTTPClient.Configuration()
        configuration.timeout = timeout
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
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
