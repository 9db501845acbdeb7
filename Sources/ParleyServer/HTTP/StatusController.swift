import Hummingbird

/// `GET /config`, `GET /healthz` and `GET /readyz`.
struct StatusController: Sendable {
    struct PublicConfig: Encodable {
        let mode: String
        let deployments: [String]
        let default_deployment: String
        let max_question_chars: Int
        /// True when sign-in is on, so `GET /sessions` lists the user's conversations (the page's
        /// sidebar); false with PARLEY_AUTH=none, and the page does not ask.
        let conversation_list: Bool
        /// `none` or `entra` (PARLEY_AUTH): the page asks `/auth/me` only with sign-in on.
        var sign_in = "none"
        /// true with PARLEY_DOCS_DIR (answers come from the documents); absent without, as before.
        var documents: Bool? = nil
    }

    /// What the page may know: nothing secret, no endpoint URL.
    let publicConfig: PublicConfig
    let readiness: Readiness
    /// With PARLEY_DOCS_DIR: what the document index holds, shown by /readyz (counts only, no paths).
    var documents: (@Sendable () async -> DocumentsDetail)? = nil

    /// `/readyz`'s `documents` object.
    struct DocumentsDetail: Encodable, Sendable, Equatable {
        /// "indexing" until the first index is complete, then "ok", or "failed" when the last refresh failed.
        let state: String
        let files: Int
        let passages: Int
        let skipped: Int
    }

    func register(on router: Router<ParleyRequestContext>) {
        router.get("/config") { _, _ in JSONResponse.make(publicConfig) }
        router.get("/healthz") { _, _ in JSONResponse.make(["status": "ok"]) }
        router.get("/readyz") { _, context in await ready(context) }
    }

    private func ready(_ context: ParleyRequestContext) async -> Response {
        let result = await readiness.check()
        let documents = await self.documents?()
        if let reason = result.reason {
            // The explanation is for the operator: logged under this request id, never sent.
            for (part, detail) in result.details.sorted(by: { $0.key < $1.key }) {
                context.logger.warning("not ready", metadata: ["part": "\(part)", "detail": "\(detail)"])
            }
            return JSONResponse.make(
                NotReady(status: "not_ready", reason: reason, checks: result.checks, request_id: context.id, documents: documents),
                status: .serviceUnavailable)
        }
        return JSONResponse.make(Ready(status: "ready", mode: publicConfig.mode, checks: result.checks, documents: documents))
    }

    struct Ready: Encodable {
        let status: String
        let mode: String
        let checks: [String: String]
        let documents: DocumentsDetail?
    }

    struct NotReady: Encodable {
        let status: String
        let reason: String
        let checks: [String: String]
        let request_id: String
        let documents: DocumentsDetail?
    }
}
