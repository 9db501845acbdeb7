import HTTPTypes
import Hummingbird

/// Whose counters a request uses: the signed-in user's (by object id, the same on every device),
/// otherwise the client address's (see `TrustedProxies`).
enum LimitKey {
    static func of(_ request: Request, context: ParleyRequestContext, proxies: TrustedProxies) -> String {
        if let user = context.user { return "user:\(user.oid)" }
        let forwarded = request.headers[values: .xForwardedFor]
        let peer = context.channel.remoteAddress?.ipAddress
        return "address:\(proxies.clientAddress(peer: peer, forwardedFor: forwarded) ?? "unknown")"
    }
}

extension HTTPField.Name {
    static let xForwardedFor = Self("X-Forwarded-For")!
}
