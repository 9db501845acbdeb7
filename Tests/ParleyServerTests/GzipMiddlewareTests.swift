import CompressNIO
import Foundation
import NIOHTTP1
import Hummingbird
import HummingbirdTesting
import Testing

@testable import ParleyServer

/// GzipMiddleware in front of a real FileMiddleware over a temporary folder, plus a few routes.
struct GzipMiddlewareTests {
    /// Repetitive enough to compress well, long enough to pass the minimum size.
    static let page = "<!doctype html><title>Parley</title>" + String(repeating: "<p>Hello, gzip.</p>\n", count: 200)
    static let events = String(repeating: "event: delta\ndata: {\"text\":\"hi\"}\n\n", count: 50)
    static let json = "{\"messages\":[" + Array(repeating: "{\"role\":\"user\",\"content\":\"hello\"}", count: 40).joined(separator: ",") + "]}"

    /// Runs `body` against an app serving `index.html`, `logo.png` and three routes.
    func withApp(_ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("gzip-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try Self.page.write(to: folder.appendingPathComponent("index.html"), atomically: true, encoding: .utf8)
        try Data(repeating: 7, count: 2000).write(to: folder.appendingPathComponent("logo.png"))

        let router = Router()
        router.add(middleware: GzipMiddleware())
        router.add(middleware: FileMiddleware(folder.path, searchForIndexHtml: true))
        router.get("/stream") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/event-stream"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: Self.events)))
        }
        router.get("/json") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: Self.json)))
        }
        router.get("/json-stream") { _, _ in
            // Unknown length (a streamed body): passed through, never collected.
            Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: ResponseBody(asyncSequence: [ByteBuffer(string: Self.json)].async))
        }
        router.get("/tiny") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: #"{"status":"ok"}"#)))
        }
        try await Application(router: router).test(.router, body)
    }

    static func gunzip(_ buffer: ByteBuffer) throws -> String {
        var buffer = buffer
        return String(buffer: try buffer.decompress(with: .gzip()))
    }

    @Test func gzipsTheIndexPageWhenAccepted() async throws {
        try await withApp { client in
            try await client.execute(uri: "/", method: .get, headers: [.acceptEncoding: "gzip, deflate, br"]) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentEncoding] == "gzip")
                #expect(response.headers[.vary] == "Accept-Encoding")
                #expect(response.headers[.contentLength] == String(response.body.readableBytes))
                #expect(response.body.readableBytes < Self.page.utf8.count / 4)
                let unzipped = try Self.gunzip(response.body)
                #expect(unzipped == Self.page)
                let etag = try #require(response.headers[.eTag])
                #expect(etag.hasSuffix("-gzip\""))
            }
        }
    }

    @Test func servesPlainWithoutAcceptEncodingButStillVaries() async throws {
        try await withApp { client in
            try await client.execute(uri: "/index.html", method: .get) { response in
                #expect(response.headers[.contentEncoding] == nil)
                #expect(response.headers[.vary] == "Accept-Encoding")
                #expect(String(buffer: response.body) == Self.page)
                #expect(response.headers[.eTag]?.contains("-gzip") == false)
            }
            try await client.execute(uri: "/index.html", method: .get, headers: [.acceptEncoding: "gzip;q=0, identity"]) {
                response in
                #expect(response.headers[.contentEncoding] == nil)
                #expect(String(buffer: response.body) == Self.page)
            }
        }
    }

    @Test func gzipsJSONWithCharsetParameter() async throws {
        try await withApp { client in
            try await client.execute(uri: "/json", method: .get, headers: [.acceptEncoding: "*"]) { response in
                #expect(response.headers[.contentEncoding] == "gzip")
                let unzipped = try Self.gunzip(response.body)
                #expect(unzipped == Self.json)
            }
        }
    }

    @Test func neverTouchesTheEventStream() async throws {
        try await withApp { client in
            try await client.execute(uri: "/stream", method: .get, headers: [.acceptEncoding: "gzip"]) { response in
                #expect(response.headers[.contentEncoding] == nil)
                #expect(response.headers[.vary] == nil)
                #expect(String(buffer: response.body) == Self.events)
            }
        }
    }

    @Test func leavesOtherTypesAndTinyBodiesAlone() async throws {
        try await withApp { client in
            try await client.execute(uri: "/logo.png", method: .get, headers: [.acceptEncoding: "gzip"]) { response in
                #expect(response.headers[.contentEncoding] == nil)
                #expect(response.body.readableBytes == 2000)
            }
            try await client.execute(uri: "/tiny", method: .get, headers: [.acceptEncoding: "gzip"]) { response in
                #expect(response.headers[.contentEncoding] == nil)
                #expect(String(buffer: response.body) == #"{"status":"ok"}"#)
            }
        }
    }

    @Test func passesBodiesOfUnknownLengthThrough() async throws {
        try await withApp { client in
            try await client.execute(uri: "/json-stream", method: .get, headers: [.acceptEncoding: "gzip"]) { response in
                #expect(response.headers[.contentEncoding] == nil)
                #expect(String(buffer: response.body) == Self.json)
            }
        }
    }

    @Test func revalidatingTheGzipVariantGivesNotModifiedWithItsETag() async throws {
        try await withApp { client in
            let gzipETag = try await client.execute(uri: "/", method: .get, headers: [.acceptEncoding: "gzip"]) {
                try #require($0.headers[.eTag])
            }
            try await client.execute(
                uri: "/", method: .get, headers: [.acceptEncoding: "gzip", .ifNoneMatch: gzipETag]
            ) { response in
                #expect(response.status == .notModified)
                #expect(response.headers[.eTag] == gzipETag)
                #expect(response.headers[.contentEncoding] == nil)
                #expect(response.body.readableBytes == 0)
            }
            // The plain variant's tag still revalidates the plain copy.
            let plainETag = try await client.execute(uri: "/", method: .get) { try #require($0.headers[.eTag]) }
            #expect(plainETag != gzipETag)
            try await client.execute(uri: "/", method: .get, headers: [.ifNoneMatch: plainETag]) { response in
                #expect(response.status == .notModified)
                #expect(response.headers[.eTag] == plainETag)
            }
        }
    }

    @Test func leavesRangesAndHeadAlone() async throws {
        try await withApp { client in
            try await client.execute(uri: "/index.html", method: .get, headers: [.acceptEncoding: "gzip", .range: "bytes=0-9"]) {
                response in
                #expect(response.status == .partialContent)
                #expect(response.headers[.contentEncoding] == nil)
                #expect(String(buffer: response.body) == String(Self.page.prefix(10)))
            }
            try await client.execute(uri: "/index.html", method: .head, headers: [.acceptEncoding: "gzip"]) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentEncoding] == nil)
                #expect(response.headers[.contentLength] == String(Self.page.utf8.count))
            }
        }
    }

    @Test(arguments: [
        ("gzip", true), ("GZIP;q=0.5", true), ("deflate, gzip;q=0", false), ("*", true), ("*;q=0", false),
        ("br", false), ("", false), ("x-gzip", true), ("gzip;q=0, *", false),
    ])
    func parsesAcceptEncoding(header: String, allowsGzip: Bool) {
        #expect(AcceptEncoding([header]).allowsGzip == allowsGzip)
    }

    @Test func gzipETagKeepsWeaknessAndQuotes() {
        #expect(GzipMiddleware<BasicRequestContext>.gzipVariant(of: #"W/"abc""#) == #"W/"abc-gzip""#)
        #expect(GzipMiddleware<BasicRequestContext>.gzipVariant(of: #""abc""#) == #""abc-gzip""#)
    }
}
