import Foundation

/// The outbound proxy as the environment describes it: `HTTPS_PROXY`, `HTTP_PROXY` and `NO_PROXY`
/// (lower-case names too, upper-case first, as curl and Go's httpproxy read them). AKS's HTTP
/// proxy feature injects exactly these into pods whose only egress is that proxy.
public struct ProxyConfiguration: Sendable, Equatable {
    /// The proxy for `https://` destinations (a CONNECT tunnel; TLS runs end to end through it).
    public var https: ProxyServer?
    /// The proxy for `http://` destinations.
    public var http: ProxyServer?
    /// Destinations reached directly.
    public var noProxy: NoProxyList

    public init(https: ProxyServer? = nil, http: ProxyServer? = nil, noProxy: NoProxyList = NoProxyList("")) {
        self.https = https
        self.http = http
        self.noProxy = noProxy
    }

    /// No proxy at all.
    public static let none = ProxyConfiguration()

    /// The variable names read, upper-case first.
    public static let variableNames = ["HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "NO_PROXY", "no_proxy"]

    /// Reads the proxy variables; a value that is not a usable proxy address throws, naming the variable
    /// (the value is never repeated: it may carry a password).
    public init(environment: [String: String]) throws(ProxyConfigurationError) {
        func value(_ upper: String) -> (name: String, value: String)? {
            for name in [upper, upper.lowercased()] {
                if let value = environment[name]?.trimmingCharacters(in: .whitespaces), !value.isEmpty {
                    return (name, value)
                }
            }
            return nil
        }
        if let (name, raw) = value("HTTPS_PROXY") { https = try ProxyServer(parsing: raw, variable: name) }
        if let (name, raw) = value("HTTP_PROXY") { http = try ProxyServer(parsing: raw, variable: name) }
        noProxy = NoProxyList(value("NO_PROXY")?.value ?? "")
    }

    /// The proxy to use for `url`, or nil to connect directly: loopback and `NO_PROXY` destinations
    /// are never proxied.
    public func proxy(for url: String) -> ProxyServer? {
        // Most deployments have no proxy: skip parsing the URL on every request then.
        guard https != nil || http != nil else { return nil }
        guard let components = URLComponents(string: url), let host = components.host, !host.isEmpty else { return nil }
        let scheme = components.scheme?.lowercased()
        let proxy = scheme == "https" ? https : scheme == "http" ? http : nil
        guard let proxy else { return nil }
        let port = components.port ?? (scheme == "https" ? 443 : 80)
        if NoProxyList.isLoopback(host) || noProxy.matches(host: host, port: port) { return nil }
        return proxy
    }
}

/// A proxy's address (and credentials, if its URL carries them).
public struct ProxyServer: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int
    /// Sent as basic authorization on the CONNECT request.
    public var credentials: Credentials?

    public struct Credentials: Sendable, Hashable {
        public var user: String
        public var password: String

        public init(user: String, password: String) {
            self.user = user
            self.password = password
        }
    }

    public init(host: String, port: Int, credentials: Credentials? = nil) {
        self.host = host
        self.port = port
        self.credentials = credentials
    }

    /// `http://[user:password@]host[:port]`, or `host:port` without a scheme (as curl accepts).
    init(parsing raw: String, variable: String) throws(ProxyConfigurationError) {
        let text = raw.contains("://") ? raw : "http://" + raw
        guard let components = URLComponents(string: text), let host = components.host, !host.isEmpty else {
            throw ProxyConfigurationError(variable: variable, reason: "is not a proxy address; use http://host:port")
        }
        guard components.scheme?.lowercased() == "http" else {
            throw ProxyConfigurationError(
                variable: variable, reason: "must be an http:// proxy address (TLS to the proxy itself is not supported)")
        }
        let port = components.port ?? 80
        guard (1...65535).contains(port) else {
            throw ProxyConfigurationError(variable: variable, reason: "has a port outside 1-65535")
        }
        self.host = host.hasPrefix("[") ? String(host.dropFirst().dropLast()) : host
        self.port = port
        if let user = components.user {
            let password = components.password ?? ""
            credentials = Credentials(
                user: user.removingPercentEncoding ?? user, password: password.removingPercentEncoding ?? password)
        }
    }

    /// Host and port only: the credentials never appear in a log or message.
    public var description: String { "\(host):\(port)" }
}

/// A proxy variable that cannot be used.
public struct ProxyConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    public let variable: String
    public let reason: String

    public var description: String { "\(variable) \(reason)" }
}
