import Foundation
import Logging

extension FakeAzureOpenAI {
    /// How the fake behaves. The defaults answer like a healthy Azure OpenAI resource with two
    /// deployments, accepting any credential.
    public struct Options: Sendable {
        /// Deployment names that exist; any other answers 404 `DeploymentNotFound`.
        public var deployments: [String]
        /// When set, an `api-key` header must carry exactly this value (else 401 with the gateway body);
        /// a request with no credential at all is refused too.
        public var apiKey: String?
        /// When set, `Authorization: Bearer <token>` is accepted only if this returns true for the token
        /// (else 401 with the bare `statusCode` body Azure sends for bad Entra tokens).
        public var bearerTokenValidator: (@Sendable (String) -> Bool)?
        /// Pause between streamed chunks.
        public var chunkDelay: Duration
        /// Pause between chunks of a `[[slow]]` answer.
        public var slowChunkDelay: Duration
        /// Start each stream with the `prompt_filter_results` event (`choices: []`), as Azure does.
        public var includePromptFilterResults: Bool
        /// Send an asynchronous-filter annotation event after the finish event, as Azure can.
        public var includeAnnotations: Bool
        /// `retry-after-ms` of `[[status:429]]` answers (`retry-after` is this in whole seconds, rounded up).
        public var rateLimitRetryAfterMilliseconds: Int
        /// When set, every successful request is answered by replaying this recording verbatim.
        public var replay: RecordedStream?
        /// Replay in writes of at most this many bytes (nil: one write), to split events across reads.
        public var replayChunkBytes: Int?
        /// Replay with "\r\n" line endings instead of the recording's "\n".
        public var replayWithCRLF: Bool
        /// Port to listen on (0: any free port).
        public var port: Int
        /// How many of the newest requests are kept for `requests` and `GET /_fake/requests`.
        public var maxRecordedRequests: Int
        /// The Hummingbird application's logger (default: critical messages only).
        public var logger: Logger?
        /// When set, the object IDs (`oid`) that hold "Cognitive Services OpenAI User" on this resource:
        /// a bearer token for any other principal gets 401 `PermissionDenied`, as Azure answers a valid
        /// token without the data-plane role (see `permissionDenial` below).
        public var openAIUserObjectIDs: Set<String>? = nil
        /// Directives added to every request's last user message at this fake only (`setDirectives`
        /// changes them while it runs), so one question can meet a throttled primary and a healthy
        /// secondary (issue 15).
        public var directives: String = ""
        /// When N > 0, every Nth chat request (the 1st, N+1th, …) is answered 429 with this fake's
        /// retry-after: N = 2 throttles half the requests (the failover benchmark).
        public var rateLimitEvery: Int = 0
        /// Deployment names that answer `…/embeddings`; any other answers 404 `DeploymentNotFound`.
        public var embeddingDeployments: [String] = ["text-embedding-3-small"]
        /// The length of the embeddings endpoint's vectors (`HashedWordEmbedding`).
        public var embeddingDimensions: Int = HashedWordEmbedding.defaultDimensions

        public init(
            deployments: [String] = ["gpt-35-turbo", "gpt-4"],
            apiKey: String? = nil,
            bearerTokenValidator: (@Sendable (String) -> Bool)? = nil,
            chunkDelay: Duration = .milliseconds(20),
            slowChunkDelay: Duration = .milliseconds(250),
            includePromptFilterResults: Bool = true,
            includeAnnotations: Bool = true,
            rateLimitRetryAfterMilliseconds: Int = 1000,
            replay: RecordedStream? = nil,
            replayChunkBytes: Int? = nil,
            replayWithCRLF: Bool = false,
            port: Int = 0,
            maxRecordedRequests: Int = 10_000,
            logger: Logger? = nil
        ) {
            self.deployments = deployments
            self.apiKey = apiKey
            self.bearerTokenValidator = bearerTokenValidator
            self.chunkDelay = chunkDelay
            self.slowChunkDelay = slowChunkDelay
            self.includePromptFilterResults = includePromptFilterResults
            self.includeAnnotations = includeAnnotations
            self.rateLimitRetryAfterMilliseconds = rateLimitRetryAfterMilliseconds
            self.replay = replay
            self.replayChunkBytes = replayChunkBytes
            self.replayWithCRLF = replayWithCRLF
            self.port = port
            self.maxRecordedRequests = maxRecordedRequests
            self.logger = logger
        }
    }
}

extension FakeAzureOpenAI.Options {
    /// The 401 `PermissionDenied` body for a bearer token whose principal does not hold
    /// "Cognitive Services OpenAI User" (`openAIUserObjectIDs`), or nil when the request may proceed.
    /// The body is Azure's newer wording, naming the principal and the data action
    /// (identity.md §9.3, microsoft/vscode#283763, 2025).
    func permissionDenial(bearerToken: String, path: String) -> String? {
        guard let holders = openAIUserObjectIDs else { return nil }
        let oid = TestJWT.claims(of: bearerToken)?["oid"] as? String ?? ""
        guard !holders.contains(oid) else { return nil }
        let message = "The principal `\(oid)` lacks the required data action `Microsoft.CognitiveServices/accounts/OpenAI/deployments/chat/completions/action` to perform `POST \(path)` operation."
        return #"{"error":{"code":"PermissionDenied","message":\#(FakeAzureOpenAIWire.jsonString(message))}}"#
    }
}
