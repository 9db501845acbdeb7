import Foundation
import ParleyChat

/// What a handler learns about a request after routing (deployment, tokens, how a stream ended),
/// shared by reference with the logging middleware. Written from the handler, read when the
/// response body is done; the lock keeps that safe across tasks.
final class RequestRecord: @unchecked Sendable {
    private let lock = NSLock()
    private var _deployment: String?
    private var _usage: ChatUsage?
    private var _outcome: String?

    var deployment: String? {
        get { lock.withLock { _deployment } }
        set { lock.withLock { _deployment = newValue } }
    }

    var usage: ChatUsage? {
        get { lock.withLock { _usage } }
        set { lock.withLock { _usage = newValue } }
    }

    /// For streams, whose HTTP status is 200 whatever happens: "done", "stopped" or an error code.
    var outcome: String? {
        get { lock.withLock { _outcome } }
        set { lock.withLock { _outcome = newValue } }
    }
}
