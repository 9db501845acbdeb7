import Foundation
import Synchronization

/// The fake Instance Metadata Service token path (`GET /metadata/identity/oauth2/token`), served
/// by the `FakeEntra` server; point `AZURE_POD_IDENTITY_AUTHORITY_HOST` at `FakeEntra.baseURL`.
/// Like the real IMDS it insists on `Metadata: true` (`imds-error-missing-metadata-header.txt`).
public final class FakeIMDS: Sendable {
    public indirect enum Reply: Sendable {
        /// `imds-token-response.json` shape; IMDS sends numbers as strings.
        case token(lifetime: Int = 86399, numbersAsStrings: Bool = true, includeExpiresOn: Bool = true)
        case status(Int, body: String = "")
        case delayed(Duration, Reply)
    }

    public struct Request: Sendable, Equatable {
        /// Decoded query parameters.
        public let query: [String: String]
        /// Header values by lower-cased name.
        public let headers: [String: String]
    }

    private struct State {
        var replies: [Reply] = []
        var requests: [Request] = []
    }

    private let state = Mutex(State())
    private let issuer: FakeEntraTokenIssuer

    init(issuer: FakeEntraTokenIssuer) {
        self.issuer = issuer
    }

    public func enqueue(_ replies: Reply...) {
        state.withLock { $0.replies += replies }
    }

    public var requests: [Request] { state.withLock { $0.requests } }

    func handle(query: [String: String], headers: [String: String]) async -> (Int, String) {
        let reply: Reply = state.withLock {
            $0.requests.append(Request(query: query, headers: headers))
            return $0.replies.isEmpty ? .token() : $0.replies.removeFirst()
        }
        guard headers["metadata"] == "true" else {
            return (400, FakeEntraFixtures.imdsMissingMetadataHeader)
        }
        return await answer(reply, resource: query["resource"] ?? "")
    }

    private func answer(_ reply: Reply, resource: String) async -> (Int, String) {
        switch reply {
        case .delayed(let delay, let inner):
            try? await Task.sleep(for: delay)
            return await answer(inner, resource: resource)
        case .status(let status, let body):
            return (status, body)
        case .token(let lifetime, let asStrings, let includeExpiresOn):
            let (token, expiresOn) = issuer.issue(lifetime: lifetime, audience: resource)
            func number(_ value: Int) -> String { asStrings ? "\"\(value)\"" : "\(value)" }
            var fields = [
                "\"access_token\": \"\(token)\"", "\"refresh_token\": \"\"",
                "\"expires_in\": \(number(lifetime))",
                "\"resource\": \"\(resource)\"", "\"token_type\": \"Bearer\"",
            ]
            if includeExpiresOn {
                fields.append("\"expires_on\": \(number(Int(expiresOn.timeIntervalSince1970)))")
                fields.append("\"not_before\": \(number(Int(expiresOn.timeIntervalSince1970) - lifetime))")
            }
            return (200, "{" + fields.joined(separator: ", ") + "}")
        }
    }
}
