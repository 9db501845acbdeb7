import Foundation
import NIOCore
import Testing
@testable import ParleyAzureOpenAI
@testable import ParleyTestSupport

/// Prints, never asserts: the cost per upstream chunk of turning SSE bytes into chat events, the way
/// the client did before issue 11 (bytes → line String → joined String → Data → decode) and the way
/// it does now (line ends found in the bytes, the payload decoded in place by one decoder), plus the
/// cost of relaying events through three AsyncThrowingStreams versus one direct callback.
/// Opt-in, because it burns CPU that the timing tests running beside it need:
/// `PARLEY_BENCHMARK=1 swift test --skip-build --filter StreamDecodingBenchmark`. Debug-build figures
/// overstate the hand-written code's cost; the commit that added the chunk scanner gives -O figures.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["PARLEY_BENCHMARK"] == "1"))
struct StreamDecodingBenchmark {
    static let chunks = 10_000

    static func recordedChunks() -> [ByteBuffer] {
        (0..<chunks).map { index in
            ByteBuffer(string: FakeAzureOpenAIWire.sse(
                FakeAzureOpenAIWire.contentEvent(" word\(index % 100)", id: "chatcmpl-benchmark", created: 1_700_000_000)))
        }
    }

    @Test func parsingAndDecodingTenThousandChunks() {
        let buffers = Self.recordedChunks()
        var before = Duration.zero
        var after = Duration.zero
        var deltasBefore = 0
        var deltasAfter = 0
        let clock = ContinuousClock()
        for _ in 0..<3 {  // best of three
            var legacy = LegacyStreamDecoding()
            let legacyTime = clock.measure {
                for buffer in buffers { deltasBefore += legacy.feed(buffer) }
            }
            var parser = ServerSentEventParser()
            var state = ChatCompletionStreamState()
            let currentTime = clock.measure {
                for buffer in buffers {
                    parser.feed(buffer) { element in
                        if case .event(_, let data) = element, case .events(let events) = state.consume(bytes: data) {
                            deltasAfter += events.count
                        }
                        return true
                    }
                }
            }
            before = before == .zero ? legacyTime : min(before, legacyTime)
            after = after == .zero ? currentTime : min(after, currentTime)
        }
        print("[benchmark] \(Self.chunks) chunks: before \(Self.perChunk(before)), after \(Self.perChunk(after)) "
              + "(deltas \(deltasBefore / 3)/\(deltasAfter / 3))")
    }

    @Test func relayingThroughThreeStreamsVersusOneCallback() async throws {
        let events = (0..<Self.chunks).map { ChatCompletionEvent.delta("w\($0)") }
        let clock = ContinuousClock()
        let relayed = try await clock.measure {
            var stream = Self.stream(events)
            for _ in 0..<2 { stream = Self.relay(stream) }
            var count = 0
            for try await _ in stream { count += 1 }
            #expect(count == Self.chunks)
        }
        let direct = await clock.measure {
            var count = 0
            let onEvent: (ChatCompletionEvent) async throws -> Void = { _ in count += 1 }
            for event in events { try? await onEvent(event) }
            #expect(count == Self.chunks)
        }
        print("[benchmark] \(Self.chunks) events: three streams \(Self.perChunk(relayed)), one callback \(Self.perChunk(direct))")
    }

    private static func stream(_ events: [ChatCompletionEvent]) -> AsyncThrowingStream<ChatCompletionEvent, any Error> {
        AsyncThrowingStream { continuation in
            let task = Task {
                for event in events { continuation.yield(event) }
                continuation.finish()
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    private static func relay(_ upstream: AsyncThrowingStream<ChatCompletionEvent, any Error>) -> AsyncThrowingStream<ChatCompletionEvent, any Error> {
        AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    for try await event in upstream { continuation.yield(event) }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    private static func perChunk(_ duration: Duration) -> String {
        let micros = Double(duration.components.attoseconds) / 1e12 + Double(duration.components.seconds) * 1e6
        return String(format: "%.0f ms total, %.2f µs per chunk", micros / 1000, micros / Double(chunks))
    }
}

/// The client's SSE path before issue 11, kept only to measure against: each byte appended to a line
/// buffer, the line made a String, split, the data lines joined into another String, that String
/// copied into Data and decoded.
private struct LegacyStreamDecoding {
    private var line: [UInt8] = []
    private var lastByteWasCarriageReturn = false
    private var dataLines: [String] = []

    private struct Chunk: Decodable {
        var choices: [Choice]?
        var usage: TokenUsage?
    }

    private struct Choice: Decodable {
        var index: Int?
        var delta: Delta?
        var finish_reason: String?
    }

    private struct Delta: Decodable {
        var content: String?
    }

    private let decoder = JSONDecoder()

    /// Returns the number of deltas the chunk completed.
    mutating func feed(_ chunk: ByteBuffer) -> Int {
        var events: [String] = []
        chunk.withUnsafeReadableBytes { bytes in
            for byte in bytes {
                switch byte {
                case UInt8(ascii: "\n"):
                    if lastByteWasCarriageReturn { lastByteWasCarriageReturn = false } else { endLine(into: &events) }
                case UInt8(ascii: "\r"):
                    lastByteWasCarriageReturn = true
                    endLine(into: &events)
                default:
                    lastByteWasCarriageReturn = false
                    line.append(byte)
                }
            }
        }
        var deltas = 0
        for event in events {
            if event.hasPrefix("[DONE]") { continue }
            guard let chunk = try? decoder.decode(Chunk.self, from: Data(event.utf8)) else { continue }
            for choice in chunk.choices ?? [] where (choice.index ?? 0) == 0 {
                if let content = choice.delta?.content, !content.isEmpty { deltas += 1 }
            }
        }
        return deltas
    }

    private mutating func endLine(into events: inout [String]) {
        defer { line.removeAll(keepingCapacity: true) }
        if line.isEmpty {
            if !dataLines.isEmpty { events.append(dataLines.joined(separator: "\n")) }
            dataLines.removeAll()
            return
        }
        let text = String(decoding: line, as: UTF8.self)
        guard let colon = text.firstIndex(of: ":") else { return }
        var value = text[text.index(after: colon)...]
        if value.first == " " { value = value.dropFirst() }
        if text[..<colon] == "data" { dataLines.append(String(value)) }
    }
}
