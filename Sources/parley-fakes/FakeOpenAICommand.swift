import ArgumentParser
import Foundation
import ParleyTestSupport

/// `parley-fakes openai`: the fake Azure OpenAI resource as a process, for the browser suite, the
/// benchmark and manual runs. Prints `listening on 127.0.0.1:<port>` as its first line and runs until
/// SIGTERM or SIGINT. Behaviour is scripted by `[[…]]` directives in the last user message (see
/// `FakeAzureOpenAIResponder`); `GET`/`DELETE /_fake/requests` show and clear what it received.
struct FakeOpenAICommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "openai",
        abstract: "Run a fake Azure OpenAI chat-completions endpoint on 127.0.0.1."
    )

    @Option(help: "Port to listen on (0: any free port).")
    var port: Int = 0

    @Option(help: "Comma-separated deployment names that exist.")
    var deployments: String = "gpt-35-turbo,gpt-4"

    @Option(name: .customLong("api-key"), help: "Accept only this api-key (default: any credential).")
    var apiKey: String?

    @Option(name: .customLong("delay-ms"), help: "Milliseconds between streamed chunks.")
    var delayMilliseconds: Int = 20

    @Option(help: "Answer every request by replaying this recording verbatim (\(FakeAzureOpenAI.RecordedStream.allCases.map(\.rawValue).joined(separator: ", "))).")
    var replay: String?

    @Option(name: .customLong("rate-limit-every"), help: "Answer every Nth request 429 (2: half of them; 0: none).")
    var rateLimitEvery: Int = 0

    @Option(name: .customLong("retry-after-ms"), help: "retry-after-ms of those 429 answers.")
    var retryAfterMilliseconds: Int = 1000

    func validate() throws {
        guard rateLimitEvery >= 0 else { throw ValidationError("--rate-limit-every must not be negative") }
        guard retryAfterMilliseconds >= 0 else { throw ValidationError("--retry-after-ms must not be negative") }
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0…65535") }
        guard delayMilliseconds >= 0 else { throw ValidationError("--delay-ms must not be negative") }
        if let replay, FakeAzureOpenAI.RecordedStream(rawValue: replay) == nil {
            throw ValidationError("--replay: unknown recording '\(replay)'")
        }
    }

    func run() async throws {
        let names = deployments.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        var options = FakeAzureOpenAI.Options(
            deployments: names,
            apiKey: apiKey,
            chunkDelay: .milliseconds(delayMilliseconds),
            replay: replay.flatMap(FakeAzureOpenAI.RecordedStream.init(rawValue:)),
            port: port
        )
        options.rateLimitEvery = rateLimitEvery
        options.rateLimitRetryAfterMilliseconds = retryAfterMilliseconds
        try await FakeAzureOpenAI.runUntilSignalled(options: options) { port in
            // First stdout line, written unbuffered: scripts wait for it to learn the port.
            FileHandle.standardOutput.write(Data("listening on 127.0.0.1:\(port)\n".utf8))
        }
    }
}
