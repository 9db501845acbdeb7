import Foundation
import ParleyTestSupport
import Testing

/// Keyless 401 handling end to end: the real token cache over fake Entra, the real client against the
/// fake Azure OpenAI. A refresh happens only when a new token can help.
@Suite("Keyless 401s: refresh only when it can help")
struct EntraUnauthorizedTests {
    @Test func permissionDeniedAsksEntraOnceAndDoesNotRetry() async throws {
        let clock = ManualClock(Date())
        try await EntraEndToEndTests.withKeylessSetup(clock: clock) { entra, openAI, environment in
            try await ServerHarness.run(environment: environment, now: { clock.now() }) { server in
                let reply = try await server.ask("hi [[status:401]]")
                #expect(reply.errorCode == "permission_denied", "\(reply.body)")
                #expect(entra.requests.count == 1, "a new token never grants a role")
                #expect(await openAI.requests.count == 1)
            }
        }
    }

    @Test func aRejectedTokenIsRefreshedOnceAndTheRetrySucceeds() async throws {
        let clock = ManualClock(Date())
        try await EntraEndToEndTests.withKeylessSetup(clock: clock) { entra, openAI, environment in
            try await ServerHarness.run(environment: environment, now: { clock.now() }) { server in
                let reply = try await server.ask("hi [[status:401:1]] [[body:invalid_token]]")
                #expect(reply.status == 200, "\(reply.body)")
                #expect(entra.requests.count == 2)
                let tokens = await openAI.requests.compactMap(\.bearerToken)
                #expect(tokens.count == 2)
                #expect(Set(tokens).count == 2, "the rejected token was sent again")
            }
        }
    }
}
