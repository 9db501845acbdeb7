import Hummingbird

/// Sets `context.user` from `identify` (the seam where sign-in plugs into the router; with
/// PARLEY_AUTH=none there is none and every request is anonymous).
struct UserIdentificationMiddleware: RouterMiddleware {
    typealias Context = ParleyRequestContext
    let identify: @Sendable (Request) async throws -> AuthenticatedUser?

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        context.user = try await identify(request)
        return try await next(request, context)
    }
}
