import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A subprocess started by a test (`parley serve`, `parley doctor`, `parley-fakes`, a script): the one
/// place the Swift tests set up a `Process`.
///
/// Output goes to files, never to pipes the test must drain: a pipe left unread blocks the child once
/// it fills, a blocking read on the cooperative pool starves the in-process fakes, and a server the
/// child leaves running would hold a pipe open. Waiting polls (`Task.sleep`), never blocks a thread.
/// Standard input is `/dev/null`. The files are removed, and a child still running is stopped, when
/// the value goes away.
public final class LaunchedProcess: @unchecked Sendable {
    /// Where one output stream goes.
    public enum Output: Sendable {
        case discard
        /// A temporary file, read with `text(_:)` and the `waitFor…` helpers.
        case file
        /// A pipe whose reading end is closed before the start: every write fails (EPIPE).
        case unreadPipe
        /// Standard error only: into the same file as standard output.
        case standardOutput
    }

    public enum Stream: Sendable {
        case standardOutput, standardError
    }

    public let executable: URL
    private let process = Process()
    private var files: [Stream: URL] = [:]

    /// Starts `executable`. `environment` nil inherits the test's own (rarely wanted: pass what the
    /// child needs); `directory` nil keeps the current one.
    public init(_ executable: URL, arguments: [String] = [], environment: [String: String]? = nil, directory: URL? = nil,
                standardOutput: Output = .discard, standardError: Output = .discard) throws {
        self.executable = executable
        process.executableURL = executable
        process.arguments = arguments
        if let environment { process.environment = environment }
        if let directory { process.currentDirectoryURL = directory }
        process.standardInput = FileHandle.nullDevice
        var opened: [FileHandle] = []
        process.standardOutput = try destination(standardOutput, for: .standardOutput, opened: &opened)
        process.standardError = standardError == .standardOutput
            ? process.standardOutput : try destination(standardError, for: .standardError, opened: &opened)
        defer { opened.forEach { try? $0.close() } }  // the child has its own copies
        try process.run()
    }

    /// `swift build --build-tests` output: `parley`, `parley-fakes`.
    public convenience init(built name: String, arguments: [String] = [], environment: [String: String]? = nil,
                            directory: URL? = nil, standardOutput: Output = .discard, standardError: Output = .discard) throws {
        try self.init(BuiltExecutable.url(name), arguments: arguments, environment: environment, directory: directory,
                      standardOutput: standardOutput, standardError: standardError)
    }

    deinit {
        if process.isRunning { process.terminate() }
        for file in files.values { try? FileManager.default.removeItem(at: file) }
    }

    private func destination(_ output: Output, for stream: Stream, opened: inout [FileHandle]) throws -> Any {
        switch output {
        case .discard, .standardOutput:
            return FileHandle.nullDevice
        case .file:
            let url = FileManager.default.temporaryDirectory
                .appendingPathComponent("parley-\(executable.lastPathComponent)-\(UUID().uuidString).\(stream)")
            _ = FileManager.default.createFile(atPath: url.path, contents: nil)
            files[stream] = url
            let handle = try FileHandle(forWritingTo: url)
            opened.append(handle)
            return handle
        case .unreadPipe:
            let pipe = Pipe()
            try pipe.fileHandleForReading.close()
            return pipe
        }
    }

    // MARK: Output

    /// What the process wrote to `stream` so far ("" unless it goes to a file).
    public func text(_ stream: Stream) -> String {
        guard let url = files[stream] else { return "" }
        return (try? String(contentsOf: url, encoding: .utf8)) ?? ""
    }

    /// Waits until `stream` holds a match for the regular expression `pattern` and returns it; nil when
    /// the process ended or `timeout` passed first.
    public func waitFor(_ pattern: String, in stream: Stream, timeout: Duration = .seconds(20)) async throws -> String? {
        let deadline = ContinuousClock.now + timeout
        while true {
            let running = process.isRunning
            let text = text(stream)
            if let range = text.range(of: pattern, options: .regularExpression) { return String(text[range]) }
            guard running, ContinuousClock.now < deadline else { return nil }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// The port of the "listening on 127.0.0.1:PORT" line that `parley serve` and `parley-fakes` print.
    public func waitForListeningPort(in stream: Stream, timeout: Duration = .seconds(20)) async throws -> Int? {
        guard let line = try await waitFor(#"listening on 127\.0\.0\.1:(\d+)"#, in: stream, timeout: timeout) else { return nil }
        return Int(line.split(separator: ":").last ?? "")
    }

    // MARK: Life and exit

    public var processIdentifier: Int32 { process.processIdentifier }
    public var isRunning: Bool { process.isRunning }
    /// -1 while the process still runs (Foundation's getter traps then, which would end the whole
    /// test run instead of failing one expectation).
    public var terminationStatus: Int32 { process.isRunning ? -1 : process.terminationStatus }
    public var terminationReason: Process.TerminationReason { process.terminationReason }

    public func signal(_ number: Int32) {
        if process.isRunning { kill(process.processIdentifier, number) }
    }

    /// Polls until the process exits; false when `timeout` (nil: none) passed first.
    @discardableResult
    public func waitForExit(timeout: Duration? = nil) async throws -> Bool {
        let deadline = timeout.map { ContinuousClock.now + $0 }
        while process.isRunning {
            if let deadline, ContinuousClock.now >= deadline { return false }
            try await Task.sleep(for: .milliseconds(20))
        }
        return true
    }

    /// SIGTERM, up to `grace` to exit, then SIGKILL; returns once the process is gone. Blocks the
    /// calling thread (it is for `defer`), so only as long as the grace.
    public func stop(grace: Duration = .seconds(5)) {
        guard process.isRunning else { return }
        process.terminate()
        let deadline = ContinuousClock.now + grace
        while process.isRunning, ContinuousClock.now < deadline { usleep(10_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }
}
