import NIOCore
import NIOHTTPTypes

/// Notices a client that closed its side of the connection. Hummingbird allows remote
/// half-closure (2.28), so a departed client's connection stays open until the next write fails:
/// for an answer still waiting on Azure OpenAI that is the next ping, up to 15 s later, while the
/// upstream request and the answer's admission slot stay busy. The end of input cancels the
/// connection's work at once instead (nginx treats it the same way while proxying).
final class ClientDepartureHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, case .inputClosed = event {
            ConnectionWatch.clientLeft(context.channel)
        }
        context.fireUserInboundEventTriggered(event)
    }
}
