import CompressNIO
import Hummingbird
import NIOCore

/// Gzips the page's text files and JSON replies (other than `/ask` answers) for browsers that accept it.
///
/// Only bodies of known length between `minimumBytes` and `maximumBytes` are compressed: the
/// page's files and JSON replies are small, so collecting them is cheaper than a streaming
/// compressor, and a body of unknown length (the SSE stream of `/ask`) is never touched.
/// `text/event-stream` is excluded by type as well: gzip would buffer deltas and break streaming.
///
/// Caches must never mix the two variants, so a gzipped response carries `Vary: Accept-Encoding`
/// and an ETag with `-gzip` appended inside the quotes. A browser revalidating its gzip copy sends
/// that ETag back; it is translated to the plain one before `FileMiddleware` compares it, so
/// revalidation still ends in a 304 (which carries the gzip ETag again).
///
/// Register it outside (before) `FileMiddleware` so it sees the file responses.
public struct GzipMiddleware<Context: RequestContext>: RouterMiddleware {
    /// Below this size gzip's ~20 bytes of framing outweigh the saving (nginx's `gzip_min_length`
    /// idea); 256 bytes keeps tiny JSON errors plain.
    public let minimumBytes: Int
    /// Larger bodies pass through untouched instead of being held in memory.
    public let maximumBytes: Int

    /// Content types worth compressing (all text-like); parameters such as `charset` are ignored.
    static var compressibleTypes: Set<String> {
        [
            "text/html", "text/css", "text/javascript", "application/javascript",
            "application/json", "image/svg+xml",
        ]
    }

    static var etagSuffix: String { "-gzip" }

    public init(minimumBytes: Int = 256, maximumBytes: Int = 4 * 1024 * 1024) {
        self.minimumBytes = minimumBytes
        self.maximumBytes = maximumBytes
    }

    public func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        // Answers are small, dynamic and latency-bound, and a long repetitive answer compresses past
        // the ratio limits of clients' decompressors (AsyncHTTPClient's shared client refuses 25:1).
        if request.uri.path == "/ask" { return try await next(request, context) }
        let acceptsGzip = AcceptEncoding(request.headers[values: .acceptEncoding]).allowsGzip
        let (forwarded, askedForGzipVariant) = Self.translatingGzipETags(in: request)
        var response = try await next(forwarded, context)

        guard Self.isCompressible(contentType: response.headers[.contentType]) else {
            return response
        }
        // Whatever happens below, the representation depends on Accept-Encoding.
        Self.addVaryAcceptEncoding(to: &response.headers)
        guard acceptsGzip, response.headers[.contentEncoding] == nil else { return response }

        switch response.status {
        case .notModified:
            // The browser revalidated its gzip copy: answer with the ETag it knows.
            if askedForGzipVariant, let etag = response.headers[.eTag] {
                response.headers[.eTag] = Self.gzipVariant(of: etag)
                response.headers[.contentLength] = nil
            }
            return response
        case .ok:
            break
        default:
            // 206 ranges address bytes of the plain file; errors and redirects stay as they are.
            return response
        }
        guard request.method != .head,
            let length = response.body.contentLength,
            length >= minimumBytes, length <= maximumBytes
        else { return response }

        var plain = try await Self.collect(response.body, expectedBytes: length)
        let compressed = try plain.compress(with: .gzip())
        response.body = ResponseBody(byteBuffer: compressed)  // also updates Content-Length
        response.headers[.contentEncoding] = "gzip"
        if let etag = response.headers[.eTag] {
            response.headers[.eTag] = Self.gzipVariant(of: etag)
        }
        return response
    }

    // MARK: - Helpers

    static func isCompressible(contentType: String?) -> Bool {
        guard let contentType else { return false }
        let mediaType = contentType.split(separator: ";", maxSplits: 1).first ?? ""
        return compressibleTypes.contains(mediaType.trimmingSpaces().lowercased())
    }

    /// `W/"abc"` → `W/"abc-gzip"`; an unquoted value just gets the suffix.
    static func gzipVariant(of etag: String) -> String {
        if etag.hasSuffix("\"") {
            return String(etag.dropLast()) + etagSuffix + "\""
        }
        return etag + etagSuffix
    }

    /// Rewrites `If-None-Match` tags of the gzip variant into the plain tags `FileMiddleware` knows.
    static func translatingGzipETags(in request: Request) -> (Request, Bool) {
        let values = request.headers[values: .ifNoneMatch]
        guard values.contains(where: { $0.contains(etagSuffix + "\"") }) else { return (request, false) }
        var head = request.head
        head.headerFields[values: .ifNoneMatch] = values.map {
            $0.replacing(etagSuffix + "\"", with: "\"")
        }
        return (Request(head: head, body: request.body), true)
    }

    static func addVaryAcceptEncoding(to headers: inout HTTPFields) {
        let values = headers[values: .vary]
        let existing = values.flatMap { $0.split(separator: ",") }.map { $0.trimmingSpaces().lowercased() }
        guard !existing.contains("accept-encoding"), !existing.contains("*") else { return }
        headers[values: .vary] = values + ["Accept-Encoding"]
    }

    /// Runs the body's writer into memory.
    static func collect(_ body: ResponseBody, expectedBytes: Int) async throws -> ByteBuffer {
        let sink = CollectedBody(capacity: expectedBytes)
        try await body.write(CollectingBodyWriter(sink: sink))
        return sink.buffer
    }
}

/// Where `CollectingBodyWriter` puts the bytes; a class because `finish` consumes the writer.
private final class CollectedBody {
    var buffer: ByteBuffer
    init(capacity: Int) { buffer = ByteBufferAllocator().buffer(capacity: capacity) }
}

private struct CollectingBodyWriter: ResponseBodyWriter {
    let sink: CollectedBody

    mutating func write(_ buffer: ByteBuffer) async throws {
        var buffer = buffer
        sink.buffer.writeBuffer(&buffer)
    }

    consuming func finish(_ trailingHeaders: HTTPFields?) async throws {}
}

/// The parts of `Accept-Encoding` (RFC 9110 §12.5.3) that decide whether gzip may be sent.
struct AcceptEncoding {
    /// Coding name → quality, as listed by the client.
    private var qualities: [String: Double] = [:]

    init(_ fieldValues: [String]) {
        for element in fieldValues.flatMap({ $0.split(separator: ",") }) {
            let parts = element.split(separator: ";")
            guard let name = parts.first?.trimmingSpaces().lowercased(), !name.isEmpty else { continue }
            var quality = 1.0
            for parameter in parts.dropFirst() {
                let pair = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingSpaces().lowercased() }
                if pair.count == 2, pair[0] == "q", let value = Double(pair[1]) {
                    quality = value
                }
            }
            qualities[name] = quality
        }
    }

    var allowsGzip: Bool {
        if let q = qualities["gzip"] ?? qualities["x-gzip"] { return q > 0 }
        if let q = qualities["*"] { return q > 0 }
        return false
    }
}

extension StringProtocol {
    fileprivate func trimmingSpaces() -> String {
        String(drop(while: { $0 == " " || $0 == "\t" }).reversed().drop(while: { $0 == " " || $0 == "\t" }).reversed())
    }
}
