import Foundation
import Logging
import ParleyIdentity
import ParleyTestSupport
import Testing

/// The guard every chain-building test relies on: a chain that would reach the real IMDS or the
/// real Entra is refused before it sends anything.
@Suite struct DefaultIMDSGuardTests {
    @Test func chainWithoutOverridesWouldReachTheRealIMDSAndIsRefused() throws {
        let chain = try DefaultAzureCredential(environment: ["PATH": "/nonexistent"], httpClient: .shared,
                                               logger: Logger(label: "test"))
        #expect(chain.endpoints.contains("http://169.254.169.254/metadata/identity/oauth2/token"))
        #expect(IdentityTestEnvironment.nonLoopback(chain.endpoints) == ["http://169.254.169.254/metadata/identity/oauth2/token"])
    }

    @Test func chainWithDefaultAuthorityWouldReachTheRealEntraAndIsRefused() throws {
        let environment = ["AZURE_CLIENT_ID": "c", "AZURE_TENANT_ID": "t", "AZURE_FEDERATED_TOKEN_FILE": "/x",
                           "AZURE_TOKEN_CREDENTIALS": "prod", "AZURE_POD_IDENTITY_AUTHORITY_HOST": "http://127.0.0.1:9"]
        let chain = try DefaultAzureCredential(environment: environment, httpClient: .shared, logger: Logger(label: "test"))
        #expect(chain.endpoints.contains("https://login.microsoftonline.com"))
        #expect(IdentityTestEnvironment.nonLoopback(chain.endpoints).contains("https://login.microsoftonline.com"))
    }

    @Test func baseTestEnvironmentIsLoopbackOnly() throws {
        let chain = try IdentityTestEnvironment.chain(IdentityTestEnvironment.make(), logger: Logger(label: "test"))
        #expect(!chain.endpoints.isEmpty)
    }
}
