import Foundation
import Synchronization

/// The fake Instance Metadata Service token path (`GET /metadata/identity/oauth2/token`), served
/// by the `FakeEntra` server; point `AZURE_POD_IDENTITY_AUTHORITY_HOST` at `FakeEntra.baseURL`.
/// Like the real IMDS it insists on `Metadata: true` (`imds-error-missing-metadata-header.txt`).
public final class FakeIMDS: Sendable {
    public indirect enum Reply: Sendable {
        /// `imds-token-response.json` shape; IMDS sends numbers as strings.
        case token(lifetime: Int = 86399, numbersAsStrings: Bool = true, includeExpiresOn: Bool = true)
        /// Any status, body and headers, e.g. a 503 with a hostile `Retry-After`.
        case status(Int, body: String = "", headers: [String: String] = [:])
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
        var probeReplies: [Reply] = []
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

    /// Answers to requests without `Metadata: true` (the default chain's probe). With none queued
    /// the fake answers as IMDS does: 400 "Required metadata header not specified".
    public func enqueueProbe(_ replies: Reply...) {
        state.withLock { $0.probeReplies += replies }
    }

    public var requests: [Request] { state.withLock { $0.requests } }

    /// Requests that carried `Metadata: true` (token requests, not probes).
    public var tokenRequests: [Request] { requests.filter { $0.headers["metadata"] == "true" } }

    func handle(query: [String: String], headers: [String: String]) async -> (Int, String, [String: String]) {
        let isProbe = headers["metadata"] != "true"
        let reply: Reply? = state.withLock {
            $0.requests.append(Request(query: query, headers: headers))
            if isProbe { return $0.probeReplies.isEmpty ? nil : $0.probeReplies.removeFirst() }
            return $0.replies.isEmpty ? .token() : $0.replies.removeFirst()
        }
        guard let reply else {
            return (400, FakeEntraFixtures.imdsMissingMetadataHeader, [:])
        }
        return await answer(reply, resource: query["resource"] ?? "")
    }

    private func answer(_ reply: Reply, resource: String) async -> (Int, String, [String: String]) {
        switch reply {
        case .delayed(let delay, let inner):
            try? await Task.sleep(for: delay)
            return await answer(inner, resource: resource)
        case .status(let status, let body, let headers):
            return (status, body, headers)
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
            return (200, "{" + fields.joined(separator: ", ") + "}", [:])
        }
    }
}
