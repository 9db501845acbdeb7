import AsyncHTTPClient
import NIOCore
import Synchronization

/// Every outbound HTTP request of the process (Entra, IMDS, Azure OpenAI) goes through here:
/// redirects are never followed (a redirect would carry `api-key` or a client assertion to
/// wherever it points), the pool is sized for hundreds of concurrent answers, and each request
/// goes direct or through the environment's proxy by its destination.
///
/// AsyncHTTPClient takes one proxy per client, so a proxied destination uses a second client.
public final class OutboundHTTPClient: Sendable {
    /// What every client made here shares.
    public struct Options: Sendable {
        /// Connect timeout and the longest gap between bytes.
        public var timeout: HTTPClient.Configuration.Timeout
        /// HTTP/1.1 connections per host. AsyncHTTPClient's default of 8 (1.37) made the 9th concurrent
        /// answer wait for a free connection behind any HTTP/1.1 gateway; HTTP/2 multiplexes instead.
        public var connectionsPerHost: Int
        public var proxy: ProxyConfiguration

        public init(timeout: HTTPClient.Configuration.Timeout = .init(), connectionsPerHost: Int = 512,
                    proxy: ProxyConfiguration = .none) {
            self.timeout = timeout
            self.connectionsPerHost = connectionsPerHost
            self.proxy = proxy
        }
    }

    private let direct: HTTPClient
    private let proxy: ProxyConfiguration
    private let options: Options?
    /// One client per proxy server, made on first use.
    private let proxied = Mutex<[ProxyServer: HTTPClient]>([:])
    private let ownsDirectClient: Bool

    /// A process-wide client with the default options and no proxy, never shut down (as
    /// `HTTPClient.shared`); for tests and short-lived tools.
    public static let shared = OutboundHTTPClient(options: .init())

    /// Makes and owns its clients; call `shutdown()` when done.
    public init(options: Options) {
        self.options = options
        proxy = options.proxy
        direct = HTTPClient(eventLoopGroupProvider: .singleton, configuration: Self.configuration(options, proxy: nil))
        ownsDirectClient = true
    }

    /// Sends everything through an existing client (tests and callers with their own client); it is
    /// not shut down here.
    public init(wrapping client: HTTPClient) {
        options = nil
        proxy = .none
        direct = client
        ownsDirectClient = false
    }

    /// The client for a destination: direct, or the one of its proxy.
    public func client(for url: String) -> HTTPClient {
        guard let options, let server = proxy.proxy(for: url) else { return direct }
        return proxied.withLock { clients in
            if let client = clients[server] { return client }
            let client = HTTPClient(
                eventLoopGroupProvider: .singleton, configuration: Self.configuration(options, proxy: server))
            clients[server] = client
            return client
        }
    }

    public func execute(_ request: HTTPClientRequest, deadline: NIODeadline) async throws -> HTTPClientResponse {
        try await client(for: request.url).execute(request, deadline: deadline)
    }

    public func execute(_ request: HTTPClientRequest, timeout: TimeAmount) async throws -> HTTPClientResponse {
        try await client(for: request.url).execute(request, timeout: timeout)
    }

    /// Shuts down the clients made here.
    public func shutdown() async throws {
        let clients = proxied.withLock { clients in
            defer { clients = [:] }
            return Array(clients.values)
        }
        for client in clients { try await client.shutdown() }
        if ownsDirectClient { try await direct.shutdown() }
    }

    static func configuration(_ options: Options, proxy server: ProxyServer?) -> HTTPClient.Configuration {
        var configuration = HTTPClient.Configuration()
        configuration.timeout = options.timeout
        configuration.redirectConfiguration = .disallow
        configuration.connectionPool = .init(
            idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: max(1, options.connectionsPerHost))
        // .automatic (the default) negotiates HTTP/2 over TLS where the endpoint offers it.
        configuration.httpVersion = .automatic
        if let server {
            let authorization = server.credentials.map { HTTPClient.Authorization.basic(username: $0.user, password: $0.password) }
            configuration.proxy = .server(host: server.host, port: server.port, authorization: authorization)
        }
        return configuration
    }

}
