import Foundation
import NIOCore
import NIOHTTP1
import ParleyOutbound

/// Builds the request URL and JSON body for one chat-completions call.
struct ChatCompletionRoute: Sendable {
    let configuration: AzureOpenAIConfiguration

    /// `{base}/openai/deployments/{deployment}/chat/completions?api-version={v}`, or for `v1`
    /// `{base}/openai/v1/chat/completions` (the deployment then goes into the body's `model`).
    func url(deployment: String) -> String {
        let base = configuration.baseURL
        if configuration.usesV1Route {
            return "\(base)/openai/v1/chat/completions"
        }
        let segment = Self.percentEncoded(deployment)
        let version = Self.percentEncoded(configuration.apiVersion)
        return "\(base)/openai/deployments/\(segment)/chat/completions?api-version=\(version)"
    }

    /// The streaming request body. `stream_options` is sent only where the api-version knows it:
    /// older versions answer 400 "Unrecognized request argument supplied: stream_options"
    /// (langchain-ai/langchain#23552, 2024-06).
    ///
    /// Written straight into a `ByteBuffer` (keys sorted, as before): a `JSONEncoder` per request was
    /// about 2% of all CPU under load (perf, 2026-11).
    func bodyBuffer(for request: ChatCompletionRequest) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(request.messages.reduce(96) { $0 + $1.content.utf8.count + 32 })
        buffer.writeStaticString("{\"messages\":[")
        for (index, message) in request.messages.enumerated() {
            if index > 0 { buffer.writeStaticString(",") }
            buffer.writeStaticString("{\"content\":")
            JSONStringEscaping.write(message.content, to: &buffer)
            buffer.writeStaticString(",\"role\":")
            JSONStringEscaping.write(message.role, to: &buffer)
            buffer.writeStaticString("}")
        }
        buffer.writeStaticString("]")
        if configuration.usesV1Route {
            buffer.writeStaticString(",\"model\":")
            JSONStringEscaping.write(request.deployment, to: &buffer)
        }
        buffer.writeStaticString(",\"stream\":true")
        if Self.supportsStreamOptions(apiVersion: configuration.apiVersion) {
            buffer.writeStaticString(",\"stream_options\":{\"include_usage\":true}")
        }
        // Settings bound TEMPERATURE to 0...2, so it is always finite here; guard anyway.
        if let temperature = request.temperature, temperature.isFinite {
            buffer.writeString(",\"temperature\":\(temperature)")
        }
        buffer.writeStaticString("}")
        return buffer
    }

    /// The same body as `Data` (tests read it with JSONSerialization).
    func body(for request: ChatCompletionRequest) throws -> Data {
        Data(bodyBuffer(for: request).readableBytesView)
    }

    /// `stream_options.include_usage` arrived in 2024-09-01-preview and is in the 2024-10-21 GA spec
    /// (Azure OpenAI api-version-lifecycle changelog, read 2026-01). So: `v1`/`preview` (the v1 route),
    /// any dated GA version from 2024-10-21 on, and previews from 2024-09-01-preview on. Anything that
    /// is not a recognisable version gets nothing (the safe side: no 400).
    static func supportsStreamOptions(apiVersion: String) -> Bool {
        let version = apiVersion.lowercased()
        if version == "v1" || version == "preview" || version == "latest" { return true }
        let parts = version.split(separator: "-", maxSplits: 3, omittingEmptySubsequences: false)
        guard parts.count >= 3,
            let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2].prefix(2)),
            parts[2].count == 2
        else { return false }
        let date = year * 10_000 + month * 100 + day
        let isPreview = parts.count == 4 && parts[3] == "preview"
        if parts.count == 4 && !isPreview { return false }
        return isPreview ? date >= 2024_09_01 : date >= 2024_10_21
    }

    /// RFC 3986 unreserved characters stay, everything else (including "/") is percent-encoded, so a
    /// deployment name is always exactly one path segment.
    static func percentEncoded(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? text
    }

    /// Built once: a `CharacterSet` per request showed in the profile (issue 11).
    private static let unreserved: CharacterSet = {
        var allowed = CharacterSet(charactersIn: "-._~")
        allowed.formUnion(CharacterSet(charactersIn: "a"..."z"))
        allowed.formUnion(CharacterSet(charactersIn: "A"..."Z"))
        allowed.formUnion(CharacterSet(charactersIn: "0"..."9"))
        return allowed
    }()

    /// The headers every attempt carries, built once.
    static let constantHeaders: HTTPHeaders = [
        "Content-Type": "application/json",
        "Accept": "text/event-stream",
    ]
}
