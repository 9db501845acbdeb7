import Hummingbird
import NIOCore

/// Per-request state. `record` is set by `RequestLogMiddleware` and filled in by handlers
/// (deployment, token counts), so the one log line per request can say what happened.
public struct ParleyRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    var record: RequestRecord?
    /// The client's connection; its close ends the work done for it (see `ClientDisconnect`).
    let channel: any Channel
    /// Who is asking, when sign-in is on (see `AuthenticatedUser`).
    var user: AuthenticatedUser?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }
}
