import Foundation
import Hummingbird
import NIOCore

extension FakeAzureOpenAI {
    /// What the fake saw of one embeddings request (kept apart from the chat `requests`).
    public struct RecordedEmbeddingRequest: Sendable, Codable, Equatable {
        public var deployment: String?
        public var apiVersion: String?
        /// The body's `input`, one string per text (a single string input is recorded as one).
        public var inputs: [String]
        public var authKind: AuthKind
        public var bearerToken: String?
        public var apiKey: String?
        public var status: Int
        public var receivedAt: Date
    }

    /// Every embeddings request so far, in arrival order.
    public var embeddingRequests: [RecordedEmbeddingRequest] {
        get async { await recorder.embeddingRecords }
    }

    /// Makes the next `times` embeddings requests fail with `status` (429 carries this fake's
    /// `retry-after-ms`/`retry-after`, or `retryAfter` as the `Retry-After` seconds when given).
    public func failEmbeddings(status: Int, times: Int = 1, retryAfter: String? = nil) async {
        await recorder.scheduleEmbeddingFailures(.init(status: status, remaining: times, retryAfter: retryAfter))
    }
}

/// The scripted failures of the embeddings endpoint.
struct FakeEmbeddingFailure: Sendable {
    var status: Int
    var remaining: Int
    var retryAfter: String?
}

/// `POST /openai/deployments/{d}/embeddings?api-version=…` (and `/openai/v1/embeddings` with
/// `model`): the same authentication and deployment checks as chat, then one `HashedWordEmbedding`
/// vector per input (`Options.embeddingDimensions`), returned in reverse `index` order so that
/// clients must sort by `index` as the API requires.
struct FakeAzureOpenAIEmbeddingsResponder: Sendable {
    let options: FakeAzureOpenAI.Options
    let recorder: FakeAzureOpenAIRecorder

    static func handles(path: String) -> Bool {
        let segments = path.split(separator: "/", omittingEmptySubsequences: false)
        return path == "/openai/v1/embeddings"
            || (segments.count == 5 && segments[1] == "openai" && segments[2] == "deployments" && segments[4] == "embeddings")
    }

    private struct Body: Decodable {
        var input: Input?
        var model: String?
        enum Input: Decodable {
            case many([String]), one(String)
            init(from decoder: any Decoder) throws {
                let container = try decoder.singleValueContainer()
                if let text = try? container.decode(String.self) { self = .one(text) } else { self = .many(try container.decode([String].self)) }
            }
        }
    }

    func respond(to request: Request, path: String, query: String?) async throws -> Response {
        var request = request
        let buffer = try await request.collectBody(upTo: 16 << 20)
        let body = try? JSONDecoder().decode(Body.self, from: Data(buffer.readableBytesView))
        let inputs: [String]
        switch body?.input {
        case .many(let texts): inputs = texts
        case .one(let text): inputs = [text]
        case nil: inputs = []
        }
        let segments = path.split(separator: "/").map(String.init)
        var record = FakeAzureOpenAI.RecordedEmbeddingRequest(
            deployment: path == "/openai/v1/embeddings" ? body?.model : (segments[2].removingPercentEncoding ?? segments[2]),
            apiVersion: FakeAzureOpenAIResponder.queryItem("api-version", in: query), inputs: inputs,
            authKind: .none, bearerToken: nil, apiKey: nil, status: 200, receivedAt: Date())

        if path != "/openai/v1/embeddings" {
            guard let version = record.apiVersion, FakeAzureOpenAIWire.isKnownAPIVersion(version) else {
                return await finish(record, 404, FakeAzureOpenAIWire.resourceNotFoundBody)
            }
        }
        if let key = request.headers[FakeAzureOpenAIResponder.field("api-key")] {
            record.authKind = .apiKey
            record.apiKey = key
            if let expected = options.apiKey, key != expected {
                return await finish(record, 401, FakeAzureOpenAIWire.invalidKeyBody)
            }
        } else if let authorization = request.headers[.authorization], authorization.lowercased().hasPrefix("bearer ") {
            let token = String(authorization.dropFirst("bearer ".count))
            record.authKind = .bearer
            record.bearerToken = token
            if let validator = options.bearerTokenValidator, !validator(token) {
                return await finish(record, 401, FakeAzureOpenAIWire.invalidTokenBody)
            }
        } else if options.apiKey != nil || options.bearerTokenValidator != nil {
            return await finish(record, 401, FakeAzureOpenAIWire.invalidKeyBody)
        }
        guard let deployment = record.deployment, options.embeddingDeployments.contains(deployment) else {
            return await finish(record, 404, FakeAzureOpenAIWire.deploymentNotFoundBody)
        }
        if let failure = await recorder.takeEmbeddingFailure() {
            var headers: HTTPFields = [:]
            if failure.status == 429 {
                let milliseconds = options.rateLimitRetryAfterMilliseconds
                if let retryAfter = failure.retryAfter {
                    headers[FakeAzureOpenAIResponder.field("retry-after")] = retryAfter
                } else {
                    headers[FakeAzureOpenAIResponder.field("retry-after-ms")] = String(milliseconds)
                    headers[FakeAzureOpenAIResponder.field("retry-after")] = String((milliseconds + 999) / 1000)
                }
            }
            return await finish(record, failure.status, FakeAzureOpenAIWire.body(forStatus: failure.status), headers: headers)
        }
        guard !inputs.isEmpty, !inputs.contains(where: \.isEmpty) else {
            return await finish(record, 400, FakeAzureOpenAIWire.invalidRequestBody("'$.input' is invalid."))
        }
        var items: [String] = []
        for (index, input) in inputs.enumerated().reversed() {
            let vector = HashedWordEmbedding.vector(for: input, dimensions: options.embeddingDimensions)
            let numbers = vector.map { "\($0)" }.joined(separator: ",")
            items.append(#"{"object":"embedding","index":\#(index),"embedding":[\#(numbers)]}"#)
        }
        let tokens = inputs.reduce(0) { $0 + HashedWordEmbedding.stems(of: $1).count }
        let json = #"{"object":"list","model":"text-embedding-3-small","data":[\#(items.joined(separator: ","))],"#
            + #""usage":{"prompt_tokens":\#(tokens),"total_tokens":\#(tokens)}}"#
        return await finish(record, 200, json)
    }

    private func finish(_ record: FakeAzureOpenAI.RecordedEmbeddingRequest, _ status: Int, _ body: String,
                        headers extra: HTTPFields = [:]) async -> Response {
        var record = record
        record.status = status
        await recorder.addEmbedding(record)
        let id = UUID().uuidString.lowercased()
        var headers: HTTPFields = [.contentType: "application/json"]
        headers[FakeAzureOpenAIResponder.field("apim-request-id")] = id
        headers.append(contentsOf: extra)
        return Response(status: .init(code: status), headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}
