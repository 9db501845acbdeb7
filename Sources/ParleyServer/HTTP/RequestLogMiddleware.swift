import Hummingbird
import ParleyOutbound
import Logging

/// One log line per request: request id, method, path, status, duration, deployment and token
/// counts. For a streamed answer the line is written when the stream ends, so duration and
/// tokens cover the whole answer. Questions and answers are never logged.
struct RequestLogMiddleware: RouterMiddleware {
    typealias Context = ParleyRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let record = RequestRecord()
        var context = context
        context.record = record
        let logger = context.logger
        var response = try await next(request, context)
        response.headers[.xRequestID] = context.id
        let status = response.status.code
        let method = request.method.rawValue
        // The route pattern, not the path: a session id in a path is a capability and stays out of logs.
        let path = context.endpointPath.flatMap { $0.hasPrefix("/") ? $0 : nil } ?? request.uri.path
        guard response.headers[.contentType]?.hasPrefix("text/event-stream") == true else {
            Self.log(logger, method: method, path: path, status: status, start: start, record: record)
            return response
        }
        let body = response.body
        response.body = ResponseBody { writer in
            do {
                try await body.write(writer)
            } catch {
                Self.log(logger, method: method, path: path, status: status, start: start, record: record)
                throw error
            }
            Self.log(logger, method: method, path: path, status: status, start: start, record: record)
        }
        return response
    }

    private static func log(_ logger: Logger, method: String, path: String, status: Int, start: ContinuousClock.Instant, record: RequestRecord) {
        let elapsed = ContinuousClock.now - start
        var metadata: Logger.Metadata = [
            "method": "\(method)",
            "path": "\(path)",
            "status": "\(status)",
            "duration_ms": "\(elapsed.milliseconds)",
        ]
        if let deployment = record.deployment { metadata["deployment"] = "\(deployment)" }
        if let usage = record.usage {
            metadata["prompt_tokens"] = "\(usage.promptTokens)"
            metadata["completion_tokens"] = "\(usage.completionTokens)"
        }
        if let outcome = record.outcome { metadata["outcome"] = "\(outcome)" }
        logger.info("request", metadata: metadata)
    }
}
