import Hummingbird
import NIOCore

/// Per-request state. `record` is set by `RequestLogMiddleware` and filled in by handlers
/// (deployment, token counts), so the one log line per request can say what happened.
public struct ParleyRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    var record: RequestRecord?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
    }
}
