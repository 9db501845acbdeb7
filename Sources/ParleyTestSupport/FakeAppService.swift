import Foundation
import Synchronization

/// The fake App Service / Functions identity endpoint (`GET /msi/token?api-version=2019-08-01`),
/// served by the `FakeEntra` server; set `IDENTITY_ENDPOINT` to `FakeEntra.appServiceEndpoint`
/// and `IDENTITY_HEADER` to `identityHeader`. Answers in `appservice-token-response.json` shape.
public final class FakeAppService: Sendable {
    public struct Request: Sendable, Equatable {
        public let query: [String: String]
        public let headers: [String: String]
    }

    /// The secret the platform would put in `IDENTITY_HEADER`.
    public let identityHeader: String
    private let requestsLog = Mutex<[Request]>([])
    private let issuer: FakeEntraTokenIssuer

    init(issuer: FakeEntraTokenIssuer, identityHeader: String) {
        self.issuer = issuer
        self.identityHeader = identityHeader
    }

    public var requests: [Request] { requestsLog.withLock { $0 } }

    func handle(query: [String: String], headers: [String: String], lifetime: Int) -> (Int, String) {
        requestsLog.withLock { $0.append(Request(query: query, headers: headers)) }
        guard headers["x-identity-header"] == identityHeader else {
            return (401, #"{"statusCode":401,"message":"Unauthorized: X-IDENTITY-HEADER is missing or wrong."}"#)
        }
        guard query["api-version"] == "2019-08-01", let resource = query["resource"] else {
            return (400, #"{"statusCode":400,"message":"api-version 2019-08-01 and resource are required."}"#)
        }
        let (token, expiresOn) = issuer.issue(lifetime: lifetime, audience: resource)
        let clientID = query["client_id"] ?? "00001111-aaaa-2222-bbbb-3333cccc4444"
        return (200, """
            {"access_token": "\(token)", "expires_on": "\(Int(expiresOn.timeIntervalSince1970))", \
            "resource": "\(resource)", "token_type": "Bearer", "client_id": "\(clientID)"}
            """)
    }
}
