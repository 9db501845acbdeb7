import ArgumentParser
import Foundation
import ParleyTestSupport

/// `parley-fakes entra`: the fake Microsoft Entra token endpoint, fake IMDS and fake App Service
/// identity endpoint as one process, for the browser suite, the benchmark and manual runs.
/// Prints `listening on 127.0.0.1:<port>` as its first line and runs until SIGTERM or SIGINT.
/// Point AZURE_AUTHORITY_HOST and AZURE_POD_IDENTITY_AUTHORITY_HOST at http://127.0.0.1:<port>
/// and IDENTITY_ENDPOINT at http://127.0.0.1:<port>/msi/token.
struct FakeEntraCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "entra",
        abstract: "Run a fake Microsoft Entra token endpoint (and fake IMDS / App Service identity endpoints) on 127.0.0.1."
    )

    @Option(help: "Port to listen on (0: any free port).")
    var port: Int = 0

    @Option(help: "Lifetime of issued tokens in seconds (expires_in).")
    var lifetime: Int = 3600

    @Option(name: .customLong("refresh-in"), help: "refresh_in to send with issued tokens, in seconds.")
    var refreshIn: Int?

    @Option(help: "Fail every token request with this AADSTS code (\(FakeEntraFixtures.byCode.keys.sorted().map(String.init).joined(separator: ", "))).")
    var fail: Int?

    @Option(help: "Accept only assertions with this issuer (with --subject): others get AADSTS70021.")
    var issuer: String?

    @Option(help: "Accept only assertions with this subject, e.g. system:serviceaccount:chat:chat-sa.")
    var subject: String?

    @Option(name: .customLong("client-id"), help: "Sign-in: the only client id the authorize endpoint accepts.")
    var clientID: String?

    @Option(name: .customLong("client-secret"), help: "Sign-in: the client secret code redemptions must send (instead of an assertion).")
    var clientSecret: String?

    @Option(name: .customLong("expected-assertion-file"), help: "Sign-in: code redemptions must send this file's content as client_assertion.")
    var expectedAssertionFile: String?

    @Option(name: .customLong("user-name"), help: "Sign-in: the display name of the user the authorize endpoint signs in.")
    var userName: String = "Ada Lovelace"

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0…65535") }
        guard lifetime > 0 else { throw ValidationError("--lifetime must be positive") }
        if let fail, FakeEntraFixtures.byCode[fail] == nil { throw ValidationError("--fail: no fixture for AADSTS\(fail)") }
        guard (issuer == nil) == (subject == nil) else { throw ValidationError("--issuer and --subject go together") }
    }

    func run() async throws {
        var options = FakeEntra.Options()
        options.port = port
        options.lifetime = lifetime
        options.refreshIn = refreshIn
        options.failWith = fail.flatMap { FakeEntraFixtures.byCode[$0] }
        if let issuer, let subject {
            options.federatedCredential = .init(issuer: issuer, subject: subject)
        }
        options.openIDClientID = clientID
        options.clientSecret = clientSecret
        if let expectedAssertionFile {
            options.expectedClientAssertion = try String(contentsOfFile: expectedAssertionFile, encoding: .utf8)
                .trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let userName = userName
        try await FakeEntra.runUntilSignalled(options: options, configure: { $0.openID.signIn(as: .init(name: userName)) }) { port in
            // First stdout line, written unbuffered: scripts wait for it to learn the port.
            FileHandle.standardOutput.write(Data("listening on 127.0.0.1:\(port)\n".utf8))
        }
    }
}
