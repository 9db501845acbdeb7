import Foundation
import Hummingbird
import Logging
import NIOCore
import ParleyIdentity

/// The sign-in routes (issue 13): `GET /auth/login` → Entra, `GET|POST /auth/callback` → the
/// session cookie, `POST /auth/logout`, `GET /auth/me` → `{oid, name}` or 401.
struct AuthController: Sendable {
    let gate: SignInGate

    /// A form_post callback is a few kilobytes (code, state, session_state).
    static let maxCallbackBytes = 64 * 1024

    func register(on router: Router<ParleyRequestContext>) {
        router.get("/auth/login") { _, _ in try await login() }
        router.get("/auth/callback") { request, context in
            try await callback(fields: Self.fields(request.uri.query ?? ""), request: request, context: context)
        }
        router.post("/auth/callback") { request, context in
            let body = try await request.body.collect(upTo: Self.maxCallbackBytes)
            return try await callback(fields: Self.fields(String(buffer: body)), request: request, context: context)
        }
        router.post("/auth/logout") { _, _ in logout() }
        router.get("/auth/me") { request, _ in try await me(request) }
    }

    private func login() async throws -> Response {
        let attempt = SignInAttempt.random(expires: gate.now().addingTimeInterval(SignInGate.attemptLifetime))
        let url: String
        do {
            url = try await gate.client.authorizationURL(for: attempt)
        } catch let error as SignInError {
            throw Self.unavailable(error)
        }
        var response = Response(status: .found, headers: [.location: url, .cacheControl: "no-store"])
        response.setCookie(try await gate.cookie(
            SignInGate.attemptCookie, sealing: attempt, purpose: SignInAttempt.cookiePurpose,
            lifetime: SignInGate.attemptLifetime, path: "/auth"))
        return response
    }

    private func callback(fields: [String: String], request: Request, context: ParleyRequestContext) async throws -> Response {
        if let error = fields["error"] {
            // Entra's own error (e.g. access_denied, consent_required): the person may try again.
            throw APIError(.unauthorized, "unauthenticated", "Microsoft Entra did not sign you in (\(error)). Go back to Parley to try again.",
                detail: fields["error_description"].map { String($0.prefix(300)) })
        }
        guard let attempt = try await gate.attempt(from: request) else {
            throw APIError(.unauthorized, "unauthenticated", "This sign-in expired or was started in another browser; open Parley to sign in again.",
                detail: "callback without a valid sign-in cookie")
        }
        guard let state = fields["state"], state == attempt.state, let code = fields["code"], !code.isEmpty else {
            throw APIError(.unauthorized, "unauthenticated", "This sign-in does not match the one this browser started; open Parley to sign in again.",
                detail: "callback state or code missing or different")
        }
        let identity: SignedInIdentity
        do {
            identity = try await gate.client.redeem(code: code, attempt: attempt)
        } catch let error as SignInError {
            switch error.kind {
            case .notAllowed:
                throw APIError(.forbidden, "not_allowed", "You are signed in with Microsoft Entra but not allowed to use Parley; ask its operators for access.", detail: error.reason)
            case .refusedToken:
                throw APIError(.unauthorized, "unauthenticated", "The sign-in could not be verified; open Parley to sign in again.", detail: error.reason)
            case .providerProblem:
                throw Self.unavailable(error)
            }
        }
        context.logger.info("signed in", metadata: ["oid": "\(identity.oid)"])
        let session = SignInSession(oid: identity.oid, name: identity.name, expires: gate.now().addingTimeInterval(SignInGate.sessionLifetime))
        var response = Response(status: .found, headers: [.location: "/", .cacheControl: "no-store"])
        response.setCookie(try await gate.cookie(
            SignInGate.sessionCookie, sealing: session, purpose: SignInSession.cookiePurpose, lifetime: SignInGate.sessionLifetime))
        response.setCookie(gate.cookie(SignInGate.attemptCookie, value: "", maxAge: 0, path: "/auth"))
        return response
    }

    private func logout() -> Response {
        var response = Response(status: .noContent, headers: [.cacheControl: "no-store"])
        response.setCookie(gate.cookie(SignInGate.sessionCookie, value: "", maxAge: 0))
        return response
    }

    private func me(_ request: Request) async throws -> Response {
        guard let session = try await gate.session(from: request) else {
            throw SignInMiddleware.unauthenticated(detail: nil)
        }
        return JSONResponse.make(Me(oid: session.oid, name: session.name), headers: [.cacheControl: "no-store"])
    }

    struct Me: Encodable {
        let oid: String
        let name: String
    }

    static func unavailable(_ error: SignInError) -> APIError {
        APIError(.badGateway, "sign_in_unavailable", "Parley cannot reach Microsoft Entra to sign you in right now; try again shortly, and if it lasts an operator should run 'parley doctor'.",
            detail: error.reason)
    }

    /// application/x-www-form-urlencoded (query or body) into the first value of each name.
    static func fields(_ encoded: String) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in encoded.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let decode = { (text: Substring) in text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? "" }
            let name = decode(parts[0])
            if fields[name] == nil { fields[name] = parts.count > 1 ? decode(parts[1]) : "" }
        }
        return fields
    }
}
