import Foundation
import HTTPTypes
import Hummingbird
import ParleyIdentity

/// Who may ask (issue 13). With PARLEY_AUTH=entra every request but the anonymous ones needs the
/// session cookie or `Authorization: Bearer <Entra access token for Parley>`, and sets
/// `context.user`; without either, `GET /` goes to `/auth/login` and the API answers 401
/// `unauthenticated`. Cookie-authenticated POST/DELETE/PATCH must come from Parley's own origin.
struct SignInMiddleware: RouterMiddleware {
    typealias Context = ParleyRequestContext

    let gate: SignInGate

    /// The page's own files: anyone may load them (the page then asks `/auth/me`).
    static let staticExtensions: Set<String> = ["js", "mjs", "css", "svg", "png", "ico", "webmanifest", "woff2", "map", "txt"]

    /// Methods a cross-site form or script could use to act as the person (their cookie goes along).
    static let stateChangingMethods: Set<HTTPRequest.Method> = [.post, .put, .patch, .delete]

    static func isAnonymous(_ request: Request) -> Bool {
        let path = request.uri.path
        if ["/healthz", "/readyz", "/metrics"].contains(path) || path == "/auth" || path.hasPrefix("/auth/") { return true }
        guard request.method == .get || request.method == .head else { return false }
        guard let dot = path.lastIndex(of: "."), !path[dot...].contains("/") else { return false }
        return staticExtensions.contains(path[path.index(after: dot)...].lowercased())
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if Self.isAnonymous(request) { return try await next(request, context) }
        var context = context
        if let authorization = request.headers[.authorization] {
            guard authorization.lowercased().hasPrefix("bearer "), authorization.count > 7 else {
                throw Self.unauthenticated(detail: "Authorization header without a Bearer token")
            }
            let token = String(authorization.dropFirst(7)).trimmingCharacters(in: .whitespaces)
            do {
                let identity = try await gate.client.verifyAccessToken(token)
                context.user = AuthenticatedUser(oid: identity.oid, name: identity.name)
            } catch let error as SignInError where error.kind != .providerProblem {
                throw Self.unauthenticated(detail: "bearer token refused: \(error.reason)")
            } catch let error as SignInError {
                throw APIError(.badGateway, "sign_in_unavailable",
                    "Parley cannot check sign-ins right now; an operator should run 'parley doctor'.", detail: error.reason)
            }
            return try await next(request, context)
        }
        if let session = try await gate.session(from: request) {
            if Self.stateChangingMethods.contains(request.method), !gate.isSameOrigin(request) {
                throw APIError(.forbidden, "cross_origin",
                    "This request did not come from Parley's own page; open Parley and try there.",
                    detail: "cookie-authenticated \(request.method) without a matching Origin or Referer")
            }
            context.user = AuthenticatedUser(oid: session.oid, name: session.name)
            return try await next(request, context)
        }
        if request.method == .get, request.uri.path == "/" || request.uri.path == "/index.html" {
            return Response(status: .found, headers: [.location: "/auth/login", .cacheControl: "no-store"])
        }
        throw Self.unauthenticated(detail: nil)
    }

    static func unauthenticated(detail: String?) -> APIError {
        APIError(.unauthorized, "unauthenticated", "Sign in to use Parley: open the page, or send an Entra access token for Parley as 'Authorization: Bearer'.", detail: detail)
    }
}
