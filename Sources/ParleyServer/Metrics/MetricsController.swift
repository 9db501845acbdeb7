import Hummingbird
import NIOCore

/// `GET /metrics`: the registry in Prometheus text format (version 0.0.4). Values that are read,
/// not counted (sessions in the store, seconds until each cached token expires), are refreshed by
/// `collectors` just before rendering.
struct MetricsController: Sendable {
    let metrics: ParleyMetrics
    let collectors: [@Sendable () async -> Void]

    func register<Context: RequestContext>(on router: Router<Context>) {
        router.get("/metrics") { _, _ in await render() }
    }

    func render() async -> Response {
        for collect in collectors { await collect() }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(8192)
        metrics.registry.emit(into: &bytes)
        return Response(
            status: .ok,
            headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
