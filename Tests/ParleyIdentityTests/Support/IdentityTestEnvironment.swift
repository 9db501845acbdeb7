import AsyncHTTPClient
import Foundation
import Logging
import ParleyIdentity
import ParleyTestSupport
import Testing

/// Environment dictionaries for tests. Every one points every endpoint at loopback: the authority
/// and the IMDS host default to a closed loopback port (discard, 9) unless a fake is given, and
/// PATH holds only the fake CLIs and the system directories their shebangs need. Nothing here is
/// ever set in the process environment.
enum IdentityTestEnvironment {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures")
    static let fakeBin = fixtures.appendingPathComponent("bin").path
    /// A loopback port nothing listens on.
    static let closedLoopback = "http://127.0.0.1:9"

    static let tenantID = "00000000-0000-0000-0000-000000000000"
    static let clientID = "66666666-6666-6666-6666-666666666666"
    static let scope = "https://cognitiveservices.azure.com/.default"

    /// The base every test starts from; `overrides` win, `nil` removes a key.
    static func make(fake: FakeEntra? = nil, _ overrides: [String: String?] = [:]) -> [String: String] {
        var environment = [
            "PATH": "\(fakeBin):/usr/bin:/bin",
            "AZURE_AUTHORITY_HOST": fake?.baseURL ?? closedLoopback,
            "AZURE_POD_IDENTITY_AUTHORITY_HOST": fake?.baseURL ?? closedLoopback,
        ]
        for (key, value) in overrides { environment[key] = value }
        return environment
    }

    /// Options with fast retries whose sleeps are recorded, not slept.
    static func options(_ recorder: SleepRecorder = SleepRecorder()) -> IdentityOptions {
        var options = IdentityOptions()
        options.sleep = recorder.closure
        options.entraAttemptTimeout = .seconds(5)
        options.imdsAttemptTimeout = .seconds(5)
        options.processTimeout = .seconds(5)
        return options
    }

    /// Builds the default chain and refuses, before anything is sent, any chain that could
    /// contact a non-loopback address (169.254.169.254, login.microsoftonline.com).
    static func chain(_ environment: [String: String], logger: Logger, now: @escaping @Sendable () -> Date = { Date() },
                      options: IdentityOptions = options()) throws -> DefaultAzureCredential {
        let chain = try DefaultAzureCredential(environment: environment, httpClient: .shared, logger: logger,
                                               now: now, options: options)
        let outside = nonLoopback(chain.endpoints)
        try #require(outside.isEmpty, "test would contact \(outside)")
        return chain
    }

    static func nonLoopback(_ endpoints: [String]) -> [String] {
        endpoints.filter { !AuthorityHost.isLoopback(host: URLComponents(string: $0)?.host ?? "") }
    }
}

/// A temporary directory removed when the test ends.
final class TemporaryDirectory: Sendable {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("parley-identity-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(at: url)
    }

    func file(_ name: String) -> String { url.appendingPathComponent(name).path }

    @discardableResult
    func write(_ name: String, _ contents: String) throws -> String {
        let path = file(name)
        try contents.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
}

/// Starts a fake Entra for the body and stops it afterwards, even when the body throws.
func withFakeEntra<T>(_ options: FakeEntra.Options = .init(), _ body: (FakeEntra) async throws -> T) async throws -> T {
    let fake = try await FakeEntra.start(options: options)
    do {
        let result = try await body(fake)
        await fake.stop()
        return result
    } catch {
        await fake.stop()
        throw error
    }
}
