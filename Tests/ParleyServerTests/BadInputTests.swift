import Foundation
import NIOHTTP1
import ParleyTestSupport
import Testing

@Suite("POST /ask: every bad input gets a clear JSON error and changes nothing")
struct BadInputTests {
    struct Case: Sendable, CustomStringConvertible {
        let name: String
        let body: String
        var headers: [(String, String)] = [("Content-Type", "application/json")]
        let status: Int
        let code: String
        var description: String { name }
    }

    static let cases: [Case] = [
        Case(name: "not JSON", body: "{question: hi", status: 400, code: "invalid_json"),
        Case(name: "empty body", body: "", status: 400, code: "invalid_json"),
        Case(name: "not an object", body: "[1,2]", status: 400, code: "invalid_request"),
        Case(name: "no question", body: #"{"stream": true}"#, status: 400, code: "invalid_request"),
        Case(name: "empty question", body: #"{"question": "   "}"#, status: 400, code: "invalid_request"),
        Case(name: "question not a string", body: #"{"question": 42}"#, status: 400, code: "invalid_request"),
        Case(name: "stream not a bool", body: #"{"question": "hi", "stream": "yes"}"#, status: 400, code: "invalid_request"),
        Case(name: "deployment not a string", body: #"{"question": "hi", "deployment": 4}"#, status: 400, code: "invalid_request"),
        Case(name: "unknown deployment", body: #"{"question": "hi", "deployment": "nope"}"#, status: 400, code: "invalid_request"),
        Case(
            name: "question too long", body: "{\"question\": \"\(String(repeating: "a", count: 101))\"}", status: 400,
            code: "invalid_request"),
        Case(
            name: "body too large", body: "{\"question\": \"\(String(repeating: "b", count: 5000))\"}", status: 413,
            code: "payload_too_large"),
        Case(name: "wrong content type", body: #"{"question": "hi"}"#, headers: [("Content-Type", "text/plain")], status: 415, code: "unsupported_media_type"),
        Case(name: "no content type", body: #"{"question": "hi"}"#, headers: [], status: 415, code: "unsupported_media_type"),
    ]

    @Test(arguments: cases)
    func isRefusedAndRecordsNothing(_ testCase: Case) async throws {
        let limits = ["PARLEY_MAX_QUESTION_CHARS": "100", "PARLEY_MAX_BODY_BYTES": "4096"]
        try await ServerHarness.run(environment: limits, fakeOptions: .init()) { server in
            let session = try #require(try await server.ask("the only question").json["session_id"] as? String)
            let before = await server.fake?.requests.count
            // Aim the bad request at the live session where the body allows it.
            let body = testCase.body.replacingOccurrences(of: #"{"question": "hi""#, with: #"{"session_id": "\#(session)", "question": "hi""#)
            let reply = try await server.request(.POST, "/ask", body: body, headers: testCase.headers)
            #expect(reply.status == testCase.status, "\(reply.body)")
            #expect(reply.errorCode == testCase.code)
            #expect((reply.errorMessage ?? "").isEmpty == false)
            #expect(await server.fake?.requests.count == before, "a bad request reached the model")
            #expect(try await server.transcript(session).count == 2)
        }
    }

    @Test func aQuestionAtTheLimitIsAccepted() async throws {
        try await ServerHarness.run(environment: ["PARLEY_MAX_QUESTION_CHARS": "100"], fakeOptions: .init()) { server in
            let reply = try await server.ask(String(repeating: "é", count: 100))
            #expect(reply.status == 200)
        }
    }
}
