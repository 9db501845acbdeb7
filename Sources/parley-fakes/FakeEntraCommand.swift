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
        try await FakeEntra.runUntilSignalled(options: options) { port in
            // First stdout line, written unbuffered: scripts wait for it to learn the port.
            FileHandle.standardOutput.write(Data("listening on 127.0.0.1:\(port)\n".utf8))
        }
    }
}
