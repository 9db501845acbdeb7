import Foundation
import ParleyAzureOpenAI
import ParleyTestSupport
import Testing
@testable import ParleyAzureOpenAI

/// Every Azure error the fake can produce, through the client, mapped to a kind and a message a
/// person can act on.
@Suite struct ErrorMappingTests {
    @Test func permissionDeniedNamesTheIdentityFromTheToken() async throws {
        let oid = "5f0c4b8e-1d2a-4c3b-9e8f-0123456789ab"
        let token = fakeJWT(oid: oid, marker: "SECRETPART")
        let authenticator = CountingAuthenticator.bearer(token)
        try await Harness.with(authenticator: authenticator) { harness in
            let result = await harness.collect("[[status:401]] hi")
            let error = try #require(result.azureError)
            #expect(error.kind == .permissionDenied)
            #expect(error.status == 401)
            #expect(error.message.contains("the identity \(oid) lacks the role 'Cognitive Services OpenAI User' on this Azure OpenAI resource (role changes can take up to 30 minutes)"))
            #expect(!error.message.contains("SECRETPART") && !error.message.contains(token))
            // No refresh-and-retry: the token was valid, and a new one never grants a role (issue 9).
            #expect(authenticator.counts.invalidations == 0)
            #expect(await harness.fake.requests.count == 1)
        }
    }

    @Test func wrongAPIKeySaysTheKeyIsWrong() async throws {
        try await Harness.with(fake: .init(apiKey: "right-key"), authenticator: APIKeyAuthenticator(key: "wrong-key-123")) { harness in
            let result = await harness.collect("hi")
            let error = try #require(result.azureError)
            #expect(error.kind == .authenticationFailed)
            #expect(error.message.contains("API key"))
            #expect(!error.message.contains("wrong-key-123"))
        }
    }

    @Test func rejectedTokenExplainsAudienceExpiryAndCustomSubdomain() async throws {
        try await Harness.with(fake: .init(bearerTokenValidator: { _ in false }),
                               authenticator: CountingAuthenticator.bearer("tok-A", "tok-B")) { harness in
            let result = await harness.collect("hi")
            let error = try #require(result.azureError)
            #expect(error.kind == .authenticationFailed)
            #expect(error.message.contains("https://cognitiveservices.azure.com"))
            #expect(error.message.contains("expired"))
            #expect(error.message.contains("custom-subdomain"))
            #expect(!error.message.contains("tok-"))
        }
    }

    @Test func unknownDeploymentIsNamed() async throws {
        try await Harness.with { harness in
            let result = await harness.collect("hi", deployment: "gpt-5-typo")
            let error = try #require(result.azureError)
            #expect(error.kind == .deploymentNotFound)
            #expect(error.status == 404)
            #expect(error.message.contains("'gpt-5-typo'"))
            #expect(await harness.fake.requests.count == 1)
        }
    }

    @Test func resourceNotFoundBlamesEndpointOrAPIVersion() async throws {
        try await Harness.with(configure: { $0.apiVersion = "2024-10-21x" }) { harness in
            let result = await harness.collect("hi")
            let error = try #require(result.azureError)
            #expect(error.kind == .upstreamRefused)
            #expect(error.message.contains("endpoint or the api-version '2024-10-21x'"))
        }
    }

    @Test func promptContentFilterNamesTheCategory() async throws {
        try await Harness.with { harness in
            let result = await harness.collect("[[content_filter]] something")
            let error = try #require(result.azureError)
            #expect(error.kind == .contentFilter)
            #expect(error.status == 400)
            #expect(error.message.contains("category: jailbreak"))
        }
    }

    @Test func contextLengthExceeded() async throws {
        try await Harness.with { harness in
            let error = try #require(await harness.collect("[[context_length]]").azureError)
            #expect(error.kind == .contextLengthExceeded)
            #expect(error.message.contains("maximum context length is 128000 tokens"))
        }
    }

    @Test func forbiddenPointsAtNetworkRules() async throws {
        try await Harness.with { harness in
            let error = try #require(await harness.collect("[[status:403]]").azureError)
            #expect(error.kind == .upstreamRefused)
            #expect(error.message.contains("Virtual Network/Firewall"))
            #expect(error.message.contains("network rules"))
            #expect(await harness.fake.requests.count == 1)
        }
    }

    @Test func unknownBadRequestQuotesAzure() async throws {
        try await Harness.with { harness in
            let error = try #require(await harness.collect("[[status:400]]").azureError)
            #expect(error.kind == .upstreamRefused)
            #expect(error.message.contains("Unrecognized request argument supplied: fake_argument"))
        }
    }

    @Test func throwingAuthenticatorIsCredentialUnavailable() async throws {
        struct NoCredential: Error, CustomStringConvertible {
            var description: String { "no credential in the chain could produce a token: run az login" }
        }
        let authenticator = CountingAuthenticator(headers: [], failure: NoCredential())
        try await Harness.with(authenticator: authenticator) { harness in
            let error = try #require(await harness.collect("hi").azureError)
            #expect(error.kind == .credentialUnavailable)
            #expect(error.message.contains("run az login"))
            #expect(await harness.fake.requests.isEmpty)
        }
    }

    // MARK: Envelope parsing (the three families, from the recorded bodies)

    @Test func parsesServiceGatewayAndBareEnvelopes() throws {
        let service = try #require(AzureErrorEnvelope.parse(Data(#"{"error":{"message":"This model's maximum context length is 128000 tokens.","type":"invalid_request_error","param":"messages","code":"context_length_exceeded"}}"#.utf8)))
        #expect(service.code == "context_length_exceeded" && service.param == "messages" && service.bareStatusCode == nil)

        let gateway = try #require(AzureErrorEnvelope.parse(Data(#"{"error":{"code":"404","message": "Resource not found"}}"#.utf8)))
        #expect(gateway.code == "404" && gateway.message == "Resource not found")

        let bare = try #require(AzureErrorEnvelope.parse(Data(#"{ "statusCode": 500, "message": "Internal server error", "activityId": "19ccf22c" }"#.utf8)))
        #expect(bare.bareStatusCode == 500 && bare.message == "Internal server error" && bare.code == nil)

        let unwrapped = try #require(AzureErrorEnvelope.parse(Data(#"{"code":"403","message":"A Virtual Network is configured for this resource."}"#.utf8)))
        #expect(unwrapped.code == "403")

        let numeric = try #require(AzureErrorEnvelope.parse(Data(#"{"error":{"code":429,"message":"slow down"}}"#.utf8)))
        #expect(numeric.code == "429")

        #expect(AzureErrorEnvelope.parse(Data("<html>502 Bad Gateway</html>".utf8)) == nil)
        #expect(AzureErrorEnvelope.parse(Data()) == nil)
    }

    @Test func contentFilterCategoriesFromWireAndSpecSpellings() throws {
        let wire = try #require(AzureErrorEnvelope.parse(Data(#"{"error":{"code":"content_filter","status":400,"innererror":{"code":"ResponsibleAIPolicyViolation","content_filter_result":{"hate":{"filtered":false,"severity":"safe"},"self_harm":{"filtered":true,"severity":"high"},"violence":{"filtered":true,"severity":"medium"}}}}}"#.utf8)))
        #expect(wire.filteredCategories == ["self_harm", "violence"])
        let spec = try #require(AzureErrorEnvelope.parse(Data(#"{"error":{"code":"content_filter","inner_error":{"content_filter_results":{"jailbreak":{"filtered":true,"detected":true}}}}}"#.utf8)))
        #expect(spec.filteredCategories == ["jailbreak"])
        let old = try #require(AzureErrorEnvelope.parse(Data(#"{"error":{"message":"The response was filtered due to the prompt triggering Azure OpenAI’s content management policy.","type":null,"param":"prompt","code":"content_filter","status":400}}"#.utf8)))
        let mapped = AzureOpenAIErrorMapping(deployment: "d", apiVersion: "v", credential: .apiKey)
            .error(status: 400, envelope: old, requestID: nil, attempts: 1, retryAfterSeconds: nil)
        #expect(mapped.kind == .contentFilter)
        #expect(mapped.message.contains("did not name the category"))
        let two = AzureOpenAIErrorMapping(deployment: "d", apiVersion: "v", credential: .apiKey)
            .error(status: 400, envelope: wire, requestID: nil, attempts: 1, retryAfterSeconds: nil)
        #expect(two.message.contains("categories: self harm, violence"))
    }

    @Test func objectIDIsReadFromBearerTokensOnly() {
        let token = fakeJWT(oid: "00000000-0000-0000-0000-00000000abcd", marker: "m")
        #expect(BearerTokenClaims.objectID(authorizationValue: "Bearer \(token)") == "00000000-0000-0000-0000-00000000abcd")
        #expect(BearerTokenClaims.objectID(authorizationValue: "Bearer not-a-jwt") == nil)
        #expect(BearerTokenClaims.objectID(authorizationValue: "0123456789abcdef0123456789abcdef") == nil)
        // An oid claim that is not a GUID is not echoed (it could be anything).
        let odd = fakeJWT(oid: "<script>", marker: "m")
        #expect(BearerTokenClaims.objectID(authorizationValue: "Bearer \(odd)") == nil)
    }
}
