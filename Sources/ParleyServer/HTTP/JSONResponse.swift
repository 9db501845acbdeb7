import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// Builds JSON responses. Keys are sorted so output is stable (JSONEncoder's order on Linux is not).
enum JSONResponse {
    static func make(_ value: some Encodable, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        make(json: ByteBuffer(bytes: encode(value)), status: status, headers: headers)
    }

    /// A response whose JSON body is already written.
    static func make(json body: ByteBuffer, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var headers = headers
        headers[.contentType] = "application/json; charset=utf-8"
        headers[.contentLength] = String(body.readableBytes)
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: body))
    }

    static func error(_ error: APIError, requestID: String? = nil) -> Response {
        var headers: HTTPFields = [:]
        if let seconds = error.retryAfterSeconds { headers[.retryAfter] = String(seconds) }
        for (name, value) in error.headers.sorted(by: { $0.key < $1.key }) {
            if let name = HTTPField.Name(name) { headers[name] = value }
        }
        return make(APIErrorBody(error, requestID: requestID), status: error.status, headers: headers)
    }

    static func encode(_ value: some Encodable) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding our own plain structs cannot fail; an empty object keeps the response valid if it ever did.
        return (try? encoder.encode(value)) ?? Data("{}".utf8)
    }
}
