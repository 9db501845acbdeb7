import Foundation
import Logging
import ParleyIdentity
import ParleyTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// How `az`/`azd` are started (issue 10): with the whole environment they were given, and in a
/// process group of their own that is killed as a whole on timeout or cancellation.
@Suite struct CLIProcessTests {
    typealias Env = IdentityTestEnvironment

    func az(_ overrides: [String: String?], timeout: Duration) -> AzureCliCredential {
        var options = Env.options()
        options.processTimeout = timeout
        return AzureCliCredential(environment: Env.make(overrides), logger: Logger(label: "test"), options: options)
    }

    @Test func azGetsItsConfigDirectoryProxyAndCAVariables() async throws {
        let directory = try TemporaryDirectory()
        let token = try await az([
            "FAKE_AZ_MODE": "needs-env", "AZURE_CONFIG_DIR": directory.url.path,
            "HTTPS_PROXY": "http://127.0.0.1:9", "REQUESTS_CA_BUNDLE": directory.file("ca.pem"),
        ], timeout: .seconds(5)).getToken(scopes: [Env.scope])
        #expect(token.token == CLICredentialTests.fixtureToken)
    }

    @Test func withoutThemAzSaysNotLoggedIn() async throws {
        await #expect(throws: CredentialUnavailableError.self) {
            try await az(["FAKE_AZ_MODE": "needs-env"], timeout: .seconds(5)).getToken(scopes: [Env.scope])
        }
    }

    @Test(arguments: ["hang-child", "orphan-child"])
    func timeoutKillsTheWholeProcessGroup(mode: String) async throws {
        let directory = try TemporaryDirectory()
        let pidFile = directory.file("child.pid")
        let started = ContinuousClock.now
        let error = try await #require(throws: CredentialUnavailableError.self) {
            try await az(["FAKE_AZ_MODE": mode, "FAKE_AZ_CHILD_PID": pidFile], timeout: .seconds(1)).getToken(scopes: [Env.scope])
        }
        let elapsed = ContinuousClock.now - started
        #expect(error.reason.contains("did not finish within 1 s"))
        // 1 s plus a margin for a shared two-core machine; before the fix this waited 600 s.
        #expect(elapsed < .seconds(4), "took \(elapsed)")
        let child = try #require(Self.pid(in: pidFile))
        try await eventually(timeout: .seconds(3), "the CLI's child \(child) was killed") { !Self.isRunning(child) }
    }

    @Test func cancellationKillsTheWholeProcessGroup() async throws {
        let directory = try TemporaryDirectory()
        let pidFile = directory.file("child.pid")
        let credential = az(["FAKE_AZ_MODE": "hang-child", "FAKE_AZ_CHILD_PID": pidFile], timeout: .seconds(60))
        let call = Task { try await credential.getToken(scopes: [Env.scope]) }
        try await eventually(timeout: .seconds(10), "the fake az started its child") { Self.pid(in: pidFile) != nil }
        let child = try #require(Self.pid(in: pidFile))
        let started = ContinuousClock.now
        call.cancel()
        let result = await call.result
        #expect(ContinuousClock.now - started < .seconds(3))
        #expect(throws: (any Error).self) { try result.get() }
        try await eventually(timeout: .seconds(3), "the CLI's child \(child) was killed") { !Self.isRunning(child) }
    }

    /// Parley's own descriptors (sockets, files open for writing) never reach the CLI.
    @Test func theCLIInheritsNoDescriptorOfOurs() async throws {
        let directory = try TemporaryDirectory()
        let held = directory.file("held-open-for-writing")
        let fd = open(held, O_WRONLY | O_CREAT, 0o600)  // deliberately without O_CLOEXEC
        try #require(fd >= 0)
        defer { close(fd) }
        let record = directory.file("open-files")
        _ = try await az(["FAKE_AZ_MODE": "open-files", "FAKE_AZ_RECORD": record], timeout: .seconds(5)).getToken(scopes: [Env.scope])
        let files = try String(contentsOfFile: record, encoding: .utf8)
        #expect(!files.isEmpty)
        #expect(!files.contains("held-open-for-writing"), "\(files)")
    }

    /// A CLI file still open for writing somewhere (a package upgrade, a process forked while it
    /// was being written) makes exec fail with ETXTBSY for a moment: the start is retried.
    @Test func aCLIBusyForAMomentStillStarts() async throws {
        let directory = try TemporaryDirectory()
        let bin = directory.url.appendingPathComponent("bin")
        try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
        let copy = bin.appendingPathComponent("az").path
        try FileManager.default.copyItem(atPath: "\(Env.fakeBin)/az", toPath: copy)
        let output = "az-get-access-token-output.json"  // the fake prints it from its bin's parent
        try FileManager.default.copyItem(atPath: Env.fixtures.appendingPathComponent(output).path,
                                         toPath: directory.file(output))
        let writer = open(copy, O_WRONLY)
        try #require(writer >= 0)
        // Closed from a thread of its own while the credential is already trying to start `az`.
        let released = DispatchSemaphore(value: 0)
        DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(150)) {
            close(writer)
            released.signal()
        }
        let token = try await az(["PATH": "\(bin.path):/usr/bin:/bin"], timeout: .seconds(5)).getToken(scopes: [Env.scope])
        released.wait()
        #expect(token.token == CLICredentialTests.fixtureToken)
    }

    static func pid(in file: String) -> pid_t? {
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { return nil }
        return pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// Alive and not a zombie: a killed grandchild is re-parented to PID 1, which in a container
    /// may never reap it, so its /proc state is checked too.
    static func isRunning(_ pid: pid_t) -> Bool {
        guard kill(pid, 0) == 0 else { return false }
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return true }
        let state = stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).prefix(1)
        return state != "Z" && state != "X"
    }
}
