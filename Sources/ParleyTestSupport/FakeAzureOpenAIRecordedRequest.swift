import Foundation

extension FakeAzureOpenAI {
    /// One chat message as the fake decoded it from a request body.
    public struct Message: Sendable, Codable, Equatable {
        public var role: String
        public var content: String

        public init(role: String, content: String) {
            self.role = role
            self.content = content
        }
    }

    /// Which credential a request carried.
    public enum AuthKind: String, Sendable, Codable, Equatable {
        case apiKey = "api-key"
        case bearer
        case none
    }

    /// What the fake saw of one request, and how it ended. `GET /_fake/requests` returns these as a
    /// JSON array with snake_case keys (`stream_options_sent`, `auth_kind`, `bearer_token`, …).
    public struct RecordedRequest: Sendable, Codable, Equatable {
        /// 1, 2, 3 … in arrival order.
        public var id: Int
        public var method: String
        /// The raw path, percent-encoding kept (e.g. `/openai/deployments/gpt-4/chat/completions`).
        public var path: String
        /// The raw query string without "?", if any.
        public var query: String?
        public var apiVersion: String?
        /// The deployment from the path (classic route) or from the body's `model` (v1 route).
        public var deployment: String?
        /// The body's `model` member.
        public var model: String?
        public var messages: [Message]
        public var temperature: Double?
        public var stream: Bool?
        /// Whether the body had a `stream_options` member at all.
        public var streamOptionsSent: Bool
        public var includeUsage: Bool?
        public var authKind: AuthKind
        /// The value after "Bearer " (tests need it to check which token was used).
        public var bearerToken: String?
        public var apiKey: String?
        public var clientRequestID: String?
        /// The status the fake answered with.
        public var status: Int
        /// The client went away before the answer was complete.
        public var cancelled: Bool
        /// The whole answer (stream up to its end, or the error body) was written.
        public var completed: Bool
        public var receivedAt: Date

        /// The text of the last user message, if any.
        public var lastUserMessage: String? {
            messages.last { $0.role == "user" }?.content
        }
    }
}
