import Hummingbird

/// Counts every request by route pattern, method and status, and times it; for an event stream
/// the time runs until the stream ends, and the stream counts as active meanwhile. Route labels
/// are patterns (`/sessions/{id}`), never raw paths, so ids neither leak nor explode cardinality.
struct MetricsMiddleware: RouterMiddleware {
    typealias Context = ParleyRequestContext
    let metrics: ParleyMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let method = request.method.rawValue
        let response: Response
        do {
            response = try await next(request, context)
        } catch {
            // ErrorResponseMiddleware (inside this one) turns errors into responses; this is a fallback.
            metrics.requestFinished(route: Self.route(context, status: 500), method: method, status: 500, duration: ContinuousClock.now - start)
            throw error
        }
        let status = response.status.code
        let route = Self.route(context, status: status)
        guard response.headers[.contentType]?.hasPrefix("text/event-stream") == true else {
            metrics.requestFinished(route: route, method: method, status: status, duration: ContinuousClock.now - start)
            return response
        }
        let metrics = self.metrics
        var streamed = response
        let body = response.body
        streamed.body = ResponseBody { writer in
            metrics.streamStarted()
            defer {
                metrics.streamEnded()
                metrics.requestFinished(route: route, method: method, status: status, duration: ContinuousClock.now - start)
            }
            try await body.write(writer)
        }
        return streamed
    }

    /// The matched route, "static" for files, "unmatched" for anything else.
    static func route(_ context: Context, status: Int) -> String {
        if let path = context.endpointPath, path.hasPrefix("/") { return path }
        return status == 404 ? "unmatched" : "static"
    }
}
