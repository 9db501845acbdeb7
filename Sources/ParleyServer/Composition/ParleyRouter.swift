import Hummingbird
import Logging
import ParleyChat

/// Routes and middleware, outermost first: request log, security headers, JSON errors, sign-in, gzip,
/// static files, then the API routes (which take priority over files).
enum ParleyRouter {
    static func build(
        settings: ParleySettings, chat: ChatService, store: any SessionStore, readiness: Readiness,
        admission: AnswerAdmission, limiter: UsageLimiter,
        metrics: MetricsController? = nil, metricsOnThisPort: Bool = true, signIn: SignInGate? = nil,
        documents: DocumentIndexService? = nil, logger: Logger
    ) -> Router<ParleyRequestContext> {
        let router = Router(context: ParleyRequestContext.self)
        router.addMiddleware {
            RequestLogMiddleware()
            if let metrics { MetricsMiddleware(metrics: metrics.metrics) }
            SecurityHeadersMiddleware()
            ErrorResponseMiddleware()
            // Before the files, so `GET /` without a session goes to /auth/login (issue 13).
            if let signIn {
                SignInMiddleware(gate: signIn, publicDirectory: settings.publicDirectory.hasSuffix("/")
                    ? String(settings.publicDirectory.dropLast()) : settings.publicDirectory)
            }
            GzipMiddleware()
            FileMiddleware(
                settings.publicDirectory,
                cacheControl: .init([
                    (.textHtml, [.noCache]),
                    (.textJavascript, [.noCache]),
                    (.textCss, [.noCache]),
                ]),
                searchForIndexHtml: true,
                logger: logger)
        }
        AskController(
            chat: chat,
            limits: .init(
                maxBodyBytes: settings.maxBodyBytes, maxQuestionChars: settings.maxQuestionChars,
                deployments: settings.deployments, defaultDeployment: settings.defaultDeployment,
                pingInterval: settings.pingInterval, bodyTimeout: settings.bodyTimeout),
            admission: admission,
            limiter: limiter,
            proxies: settings.trustedProxies,
            onShed: { [metrics] in metrics?.metrics.answerShed() }
        ).register(on: router)
        SessionController(store: store).register(on: router)
        LimitsController(limiter: limiter, proxies: settings.trustedProxies).register(on: router)
        if let signIn { AuthController(gate: signIn).register(on: router) }
        var documentsDetail: (@Sendable () async -> StatusController.DocumentsDetail)?
        if let documents { documentsDetail = { documents.detail() } }
        DocumentController(retriever: documents).register(on: router)
        StatusController(
            publicConfig: .init(
                mode: settings.mode.rawValue, deployments: settings.deployments,
                default_deployment: settings.defaultDeployment, max_question_chars: settings.maxQuestionChars,
                conversation_list: signIn != nil,
                sign_in: settings.signIn.mode.rawValue,
                documents: settings.documents == nil ? nil : true),
            readiness: readiness,
            documents: documentsDetail
        ).register(on: router)
        // With PARLEY_METRICS_PORT, /metrics is served there only, so the LoadBalancer never exposes it.
        if metricsOnThisPort { metrics?.register(on: router) }
        return router
    }
}
