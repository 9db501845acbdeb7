import Hummingbird

/// `GET /config`, `GET /healthz` and `GET /readyz`.
struct StatusController: Sendable {
    struct PublicConfig: Encodable {
        let mode: String
        let deployments: [String]
        let default_deployment: String
        let max_question_chars: Int
    }

    /// What the page may know: nothing secret, no endpoint URL.
    let publicConfig: PublicConfig
    let readiness: any ReadinessCheck

    func register(on router: Router<ParleyRequestContext>) {
        router.get("/config") { _, _ in JSONResponse.make(publicConfig) }
        router.get("/healthz") { _, _ in JSONResponse.make(["status": "ok"]) }
        router.get("/readyz") { _, _ in await ready() }
    }

    private func ready() async -> Response {
        let result = await readiness.check()
        if let reason = result.reason {
            return JSONResponse.make(NotReady(status: "not_ready", reason: reason, checks: result.checks), status: .serviceUnavailable)
        }
        return JSONResponse.make(Ready(status: "ready", mode: publicConfig.mode, checks: result.checks))
    }

    struct Ready: Encodable {
        let status: String
        let mode: String
        let checks: [String: String]
    }

    struct NotReady: Encodable {
        let status: String
        let reason: String
        let checks: [String: String]
    }
}
