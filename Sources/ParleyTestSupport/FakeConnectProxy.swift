import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// An HTTP CONNECT proxy on loopback, as an egress proxy in front of a cluster would be: each
/// `CONNECT host:port` opens a tunnel to 127.0.0.1:port (whatever the host name, so tests can use
/// names nobody resolves) and is recorded. Everything else gets 405.
public final class FakeConnectProxy: Sendable {
    private let channel: any Channel
    private let log: TunnelLog

    /// The `host:port` of every tunnel opened, in order.
    public var tunnels: [String] { log.entries }
    public var port: Int { channel.localAddress?.port ?? 0 }
    public var url: String { "http://127.0.0.1:\(port)" }

    private init(channel: any Channel, log: TunnelLog) {
        self.channel = channel
        self.log = log
    }

    public static func start() async throws -> FakeConnectProxy {
        let log = TunnelLog()
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let decoder = ByteToMessageHandler(HTTPRequestDecoder(leftOverBytesStrategy: .forwardBytes))
                    let encoder = HTTPResponseEncoder()
                    try channel.pipeline.syncOperations.addHandlers(decoder, encoder)
                    try channel.pipeline.syncOperations.addHandler(ConnectHandler(log: log, decoder: decoder, encoder: encoder))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return FakeConnectProxy(channel: channel, log: log)
    }

    public func stop() async {
        try? await channel.close()
    }
}

final class TunnelLog: Sendable {
    private let storage = Mutex<[String]>([])
    var entries: [String] { storage.withLock { $0 } }
    func append(_ entry: String) { storage.withLock { $0.append(entry) } }
}

/// Reads one CONNECT request, connects to the target on loopback, answers 200 and then relays bytes.
private final class ConnectHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let log: TunnelLog
    private let decoder: ByteToMessageHandler<HTTPRequestDecoder>
    private let encoder: HTTPResponseEncoder
    private var target: (host: String, port: Int)?

    init(log: TunnelLog, decoder: ByteToMessageHandler<HTTPRequestDecoder>, encoder: HTTPResponseEncoder) {
        self.log = log
        self.decoder = decoder
        self.encoder = encoder
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            let parts = head.uri.split(separator: ":")
            if head.method == .CONNECT, parts.count >= 2, let port = Int(parts.last!) {
                target = (parts.dropLast().joined(separator: ":"), port)
            }
        case .body:
            break
        case .end:
            guard let target else {
                respond(context, status: .methodNotAllowed)
                context.close(promise: nil)
                return
            }
            log.append("\(target.host):\(target.port)")
            let client = context.channel
            ClientBootstrap(group: context.eventLoop)
                .connect(host: "127.0.0.1", port: target.port)
                .hop(to: context.eventLoop)
                .assumeIsolatedUnsafeUnchecked()
                .whenComplete { result in
                    switch result {
                    case .success(let upstream):
                        self.respond(context, status: .ok)
                        let pipeline = client.pipeline.syncOperations
                        try? pipeline.removeHandler(self.encoder)
                        try? pipeline.removeHandler(self.decoder)
                        try? pipeline.removeHandler(self)
                        let (local, remote) = GlueHandler.pair()
                        try? pipeline.addHandler(local)
                        upstream.pipeline.addHandler(remote).whenFailure { _ in client.close(promise: nil) }
                    case .failure:
                        self.respond(context, status: .badGateway)
                        context.close(promise: nil)
                    }
                }
        }
    }

    private func respond(_ context: ChannelHandlerContext, status: HTTPResponseStatus) {
        let head = HTTPResponseHead(version: .http1_1, status: status, headers: ["Content-Length": "0"])
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }
}

/// Two handlers, one in each channel's pipeline, that pass bytes across (SwiftNIO's connect-proxy
/// example does the same).
private final class GlueHandler: ChannelDuplexHandler {
    typealias InboundIn = NIOAny
    typealias OutboundIn = NIOAny
    typealias OutboundOut = NIOAny

    private var partner: GlueHandler?
    private var context: ChannelHandlerContext?

    static func pair() -> (GlueHandler, GlueHandler) {
        let first = GlueHandler()
        let second = GlueHandler()
        first.partner = second
        second.partner = first
        return (first, second)
    }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }
    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        partner = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard let other = partner?.context else { return }
        other.eventLoop.execute {
            other.writeAndFlush(data, promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if let other = partner?.context {
            other.eventLoop.execute { other.close(promise: nil) }
        }
    }
}
