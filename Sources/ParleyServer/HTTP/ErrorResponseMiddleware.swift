import Hummingbird
import Logging

/// Turns every thrown error into the JSON error contract, and a request for a known path with the
/// wrong method into 405 with `Allow` (Hummingbird's router answers 404 for those).
struct ErrorResponseMiddleware<Context: RequestContext>: RouterMiddleware {
    /// Known API paths and their methods; a trailing `*` matches one path segment.
    static var routes: [(path: String, methods: [HTTPRequest.Method])] {
        [
            ("/ask", [.post]),
            ("/sessions", [.get, .head]),
            ("/sessions/*", [.get, .head, .patch, .delete]),
            ("/limits", [.get, .head]),
            ("/config", [.get, .head]),
            ("/healthz", [.get, .head]),
            ("/readyz", [.get, .head]),
            ("/metrics", [.get, .head]),
        ]
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            let response = try await next(request, context)
            if response.status == .notFound, let allowed = Self.allowedMethods(for: request.uri.path),
                !allowed.contains(request.method)
            {
                return Self.methodNotAllowed(request.method, allowed: allowed, requestID: context.id)
            }
            if response.status == .notFound, !response.headers.contains(.contentType) {
                return JSONResponse.error(.notFound(), requestID: context.id)
            }
            return response
        } catch {
            var mapped = APIError.from(error)
            if mapped.status == .notFound, let allowed = Self.allowedMethods(for: request.uri.path),
                !allowed.contains(request.method)
            {
                return Self.methodNotAllowed(request.method, allowed: allowed, requestID: context.id)
            }
            if error is ClientGone {
                // The asker left before the answer: not a server error (nginx's 499).
                context.logger.debug("client went away before the answer")
                return Response(status: ClientGone.status)
            }
            mapped.log(to: context.logger)
            if request.method == .head { mapped.message = "" }
            return JSONResponse.error(mapped, requestID: context.id)
        }
    }

    static func allowedMethods(for path: String) -> [HTTPRequest.Method]? {
        routes.first { matches(pattern: $0.path, path: path) }?.methods
    }

    private static func matches(pattern: String, path: String) -> Bool {
        guard pattern.hasSuffix("/*") else { return pattern == path }
        let prefix = pattern.dropLast()
        return path.hasPrefix(prefix) && path.count > prefix.count && !path.dropFirst(prefix.count).contains("/")
    }

    private static func methodNotAllowed(_ method: HTTPRequest.Method, allowed: [HTTPRequest.Method], requestID: String) -> Response {
        var response = JSONResponse.error(
            APIError(.methodNotAllowed, "method_not_allowed", "\(method.rawValue) is not allowed here; use \(allowed.map(\.rawValue).joined(separator: " or ")).")
            , requestID: requestID)
        response.headers[.allow] = allowed.map(\.rawValue).joined(separator: ", ")
        return response
    }
}
