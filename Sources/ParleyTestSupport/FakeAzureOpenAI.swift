import Foundation
import Hummingbird
import Logging
import NIOCore

/// A fake Azure OpenAI resource: a real Hummingbird server on 127.0.0.1 that speaks the
/// chat-completions wire format (classic `/openai/deployments/{d}/chat/completions?api-version=` and
/// `/openai/v1/chat/completions`) and embeddings (`…/embeddings`, `HashedWordEmbedding` vectors), streams like the recorded Azure streams, and is scripted by
/// `[[…]]` directives in the last user message (see `FakeAzureOpenAIResponder`). Used by the client's
/// tests, the server's tests, the browser suite and the benchmark (via `parley-fakes openai`).
///
/// Control endpoints on the same port: `GET /_fake/requests` (JSON array of `RecordedRequest`,
/// snake_case keys) and `DELETE /_fake/requests`.
public final class FakeAzureOpenAI: Sendable {
    /// The port the fake listens on.
    public let port: Int
    let recorder: FakeAzureOpenAIRecorder
    private let runTask: GracefulServerTask

    /// `http://127.0.0.1:PORT`, to be used as the Azure OpenAI endpoint.
    public var endpoint: String { "http://127.0.0.1:\(port)" }

    private init(port: Int, recorder: FakeAzureOpenAIRecorder, runTask: GracefulServerTask) {
        self.port = port
        self.recorder = recorder
        self.runTask = runTask
    }

    /// Starts the server and returns once it accepts connections.
    public static func start(options: Options = Options()) async throws -> FakeAzureOpenAI {
        let recorder = FakeAzureOpenAIRecorder(limit: options.maxRecordedRequests)
        await recorder.setDirectives(options.directives)
        let (ports, portContinuation) = AsyncStream<Int>.makeStream()
        let app = makeApplication(options: options, recorder: recorder) { port in
            portContinuation.yield(port)
        }
        let runTask = GracefulServerTask(app, logger: options.logger ?? Logger(label: "fake-azure-openai"))
        let watcher = Task {
            _ = await runTask.result
            portContinuation.finish()
        }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else {
            watcher.cancel()
            if case .failure(let error) = await runTask.result { throw error }
            throw FakeAzureOpenAIStartFailed()
        }
        return FakeAzureOpenAI(port: port, recorder: recorder, runTask: runTask)
    }

    /// Stops the server; open streams (`[[hang]]`) are ended.
    public func shutdown() async throws {
        await recorder.beginShutdown()
        try await runTask.stop()
    }

    /// Every request so far (the newest `Options.maxRecordedRequests`), in arrival order.
    public var requests: [RecordedRequest] {
        get async { await recorder.all }
    }

    /// Replaces the directives this fake adds to every question (`Options.directives`), e.g.
    /// `[[status:429]][[retry_after:10]]` to throttle it, `""` to make it healthy again.
    public func setDirectives(_ text: String) async {
        await recorder.setDirectives(text)
    }

    /// Forgets the recorded requests and the `[[status:NNN:N]]` counters.
    public func clearRequests() async {
        await recorder.clear()
    }

    /// Runs the fake in the foreground until SIGTERM or SIGINT (for `parley-fakes openai`);
    /// `onListening` receives the port once the server accepts connections. Open streams, `[[hang]]`
    /// ones included, are ended at the signal, so the process always exits promptly.
    public static func runUntilSignalled(options: Options, onListening: @escaping @Sendable (Int) -> Void) async throws {
        let (signals, signalContinuation) = AsyncStream<Int32>.makeStream()
        let sources = [SIGTERM, SIGINT].map { number in
            signal(number, SIG_IGN)  // delivered through the dispatch source instead
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { signalContinuation.yield(number) }
            source.resume()
            return source
        }
        defer { sources.forEach { $0.cancel() } }
        let fake = try await start(options: options)
        onListening(fake.port)
        var iterator = signals.makeAsyncIterator()
        _ = await iterator.next()
        try await fake.shutdown()
    }

    static func makeApplication(options: Options, recorder: FakeAzureOpenAIRecorder,
                                onListening: @escaping @Sendable (Int) -> Void) -> some ApplicationProtocol {
        let responder = FakeAzureOpenAIResponder(options: options, recorder: recorder)
        let embeddings = FakeAzureOpenAIEmbeddingsResponder(options: options, recorder: recorder)
        let router = Router()
        router.get("/_fake/requests") { _, _ in
            let encoder = JSONEncoder()
            encoder.keyEncodingStrategy = .convertToSnakeCase
            encoder.dateEncodingStrategy = .iso8601
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            let data = try encoder.encode(await recorder.all)
            return Response(status: .ok, headers: [.contentType: "application/json"],
                            body: .init(byteBuffer: ByteBuffer(bytes: data)))
        }
        router.delete("/_fake/requests") { _, _ in
            await recorder.clear()
            return HTTPResponse.Status.noContent
        }
        router.post("**") { request, context in
            let target = request.head.path ?? "/"
            let path = String(target.split(separator: "?", maxSplits: 1).first ?? "/")
            if FakeAzureOpenAIEmbeddingsResponder.handles(path: path) {
                let query = target.firstIndex(of: "?").map { String(target[target.index(after: $0)...]) }
                return try await embeddings.respond(to: request, path: path, query: query)
            }
            return try await responder.respond(to: request, context: context)
        }
        var logger = options.logger ?? Logger(label: "FakeAzureOpenAI")
        if options.logger == nil {
            // Cancelling the server at shutdown logs errors about open child channels: noise here.
            logger.logLevel = .critical
        }
        return Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: options.port), serverName: nil),
            onServerRunning: { channel in
                onListening(channel.localAddress?.port ?? options.port)
            },
            logger: logger
        )
    }
}

struct FakeAzureOpenAIStartFailed: Error, CustomStringConvertible {
    var description: String { "the fake Azure OpenAI server stopped before it was listening" }
}
