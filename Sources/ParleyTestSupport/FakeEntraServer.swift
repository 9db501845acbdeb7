import Foundation
import Hummingbird
import Logging
import NIOCore
import Synchronization

/// The Hummingbird app behind `FakeEntra`: routes, port discovery and shutdown.
struct FakeEntraServer: Sendable {
    let fake: FakeEntra
    let logger: Logger?

    func makeApplication(onListening: @escaping @Sendable (Int) -> Void) -> some ApplicationProtocol {
        let router = Router(context: BasicRequestContext.self)
        let fake = fake
        router.post("/:tenant/oauth2/v2.0/token") { request, context -> Response in
            let body = try await request.body.collect(upTo: 64 * 1024)
            let (status, text, headers) = await fake.handleToken(
                tenant: context.parameters.get("tenant") ?? "", path: request.uri.path,
                body: String(buffer: body), headers: Self.headers(request))
            return Self.json(status, text, headers: headers)
        }
        router.get("/:tenant/v2.0/.well-known/openid-configuration") { _, context -> Response in
            Self.json(200, fake.openID.discovery(baseURL: fake.baseURL, tenant: context.parameters.get("tenant") ?? ""))
        }
        router.get("/:tenant/discovery/v2.0/keys") { _, _ -> Response in
            Self.json(200, fake.openID.jwks())
        }
        router.get("/:tenant/oauth2/v2.0/authorize") { request, _ -> Response in
            let answer = fake.openID.authorize(query: Self.query(request), clientID: fake.options.openIDClientID)
            guard let location = answer.location else { return Self.json(answer.status, answer.body) }
            return Response(status: .found, headers: [.location: location, .cacheControl: "no-store"])
        }
        router.get("/metadata/identity/oauth2/token") { request, _ -> Response in
            let (status, text, headers) = await fake.imds.handle(query: Self.query(request), headers: Self.headers(request))
            return Self.json(status, text, headers: headers)
        }
        router.get("/msi/token") { request, _ -> Response in
            let (status, text) = fake.appService.handle(query: Self.query(request), headers: Self.headers(request),
                                                        lifetime: fake.options.lifetime)
            return Self.json(status, text)
        }
        return Application(
            router: router,
            configuration: .init(address: .hostname(fake.options.host, port: fake.options.port), serverName: "fake-entra"),
            onServerRunning: { channel in onListening(channel.localAddress?.port ?? 0) },
            logger: logger ?? Self.quietLogger)
    }

    /// Starts in a background task and returns once the port is known.
    func start() async throws -> (Int, GracefulServerTask) {
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let app = makeApplication { port in
            continuation.yield(port)
            continuation.finish()
        }
        let task = GracefulServerTask(app, logger: logger ?? Self.quietLogger)
        let watcher = Task {
            _ = await task.result
            continuation.finish()
        }
        for await port in ports { return (port, task) }
        watcher.cancel()
        if case .failure(let error) = await task.result { throw error }
        throw CancellationError()
    }

    func runUntilSignalled(onListening: @escaping @Sendable (Int) -> Void) async throws {
        try await makeApplication(onListening: onListening).runService()
    }

    static let quietLogger: Logger = {
        var logger = Logger(label: "fake-entra")
        logger.logLevel = .warning
        return logger
    }()

    static func headers(_ request: Request) -> [String: String] {
        var result: [String: String] = [:]
        for field in request.headers { result[field.name.canonicalName] = field.value }
        return result
    }

    static func query(_ request: Request) -> [String: String] {
        var result: [String: String] = [:]
        for (key, value) in request.uri.queryParameters { result[String(key)] = String(value) }
        return result
    }

    static func json(_ status: Int, _ body: String, headers: [String: String] = [:]) -> Response {
        var fields: HTTPFields = [.contentType: "application/json; charset=utf-8"]
        for (name, value) in headers {
            if let name = HTTPFields.Element.Name(name) { fields[name] = value }
        }
        return Response(status: .init(code: status), headers: fields, body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}
