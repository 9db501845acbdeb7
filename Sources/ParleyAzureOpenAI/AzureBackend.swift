import Foundation

/// One place a picker deployment can be answered from: a deployment on one Azure OpenAI resource,
/// with its priority group (1 answers first) and its weight inside the group.
public struct AzureBackend: Sendable {
    /// The client of that resource (its endpoint, authenticator and timeouts).
    public var client: AzureOpenAIClient
    /// The deployment's name on that resource.
    public var deployment: String
    public var priority: Int
    public var weight: Int

    public init(client: AzureOpenAIClient, deployment: String, priority: Int = 1, weight: Int = 1) {
        self.client = client
        self.deployment = deployment
        self.priority = priority
        self.weight = max(1, weight)
    }

    /// True for an `api-key` backend, false for Entra tokens.
    public var usesAPIKey: Bool { client.authenticator is APIKeyAuthenticator }

    /// `host[:port]/deployment`, for logs and metrics: never a key, a path or a query.
    public var name: String {
        "\(Self.host(of: client.configuration.endpoint))/\(deployment)"
    }

    /// The endpoint's host (and port, when one is given), or "-" when it is not a URL.
    public static func host(of endpoint: String) -> String {
        guard let components = URLComponents(string: endpoint), let host = components.host, !host.isEmpty else { return "-" }
        return components.port.map { "\(host):\($0)" } ?? host
    }
}
