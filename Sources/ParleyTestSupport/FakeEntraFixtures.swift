/// Real response shapes from the identity reference samples (all ids fake), embedded so the
/// tests and `parley-fakes` never depend on files outside the repository. Provenance:
/// azure-workload-identity troubleshooting.md and the issues named in identity.md §9.1 (2026).
public enum FakeEntraFixtures {
    /// An Entra error body and the HTTP status Entra sends it with.
    public struct EntraError: Sendable {
        public let status: Int
        public let body: String
        public let code: Int
    }
    public static let aadsts70021 = EntraError(status: 401, body: #"""
{
  "error": "invalid_client",
  "error_description": "AADSTS70021: No matching federated identity record found for presented assertion. Assertion Issuer: 'https://eastus.oic.prod-aks.azure.com/00000000-0000-0000-0000-000000000000/11111111-1111-1111-1111-111111111111/'. Assertion Subject: 'system:serviceaccount:chat:chat-sa'. Assertion Audience: 'api://AzureADTokenExchange'. https://docs.microsoft.com/en-us/azure/active-directory/develop/workload-identity-federation\r\nTrace ID: 44444444-4444-4444-4444-444444444444\r\nCorrelation ID: 55555555-5555-5555-5555-555555555555\r\nTimestamp: 2023-10-13 19:07:11Z",
  "error_codes": [70021],
  "timestamp": "2023-10-13 19:07:11Z",
  "trace_id": "44444444-4444-4444-4444-444444444444",
  "correlation_id": "55555555-5555-5555-5555-555555555555",
  "error_uri": "https://login.microsoftonline.com/error?code=70021"
}
"""#, code: 70021)
    public static let aadsts700211 = EntraError(status: 401, body: #"""
{
  "error": "invalid_client",
  "error_description": "AADSTS700211: No matching federated identity record found for presented assertion issuer 'https://oidc.prod-aks.azure.com/11111111-1111-1111-1111-111111111111/'. Please check your federated identity credential Subject, Audience and Issuer against the presented assertion. https://docs.microsoft.com/en-us/azure/active-directory/develop/workload-identity-federation Trace ID: 44444444-4444-4444-4444-444444444444 Correlation ID: 55555555-5555-5555-5555-555555555555 Timestamp: 2023-12-08 16:17:27Z",
  "error_codes": [700211],
  "timestamp": "2023-12-08 16:17:27Z",
  "trace_id": "44444444-4444-4444-4444-444444444444",
  "correlation_id": "55555555-5555-5555-5555-555555555555",
  "error_uri": "https://login.microsoftonline.com/error?code=700211"
}
"""#, code: 700211)
    public static let aadsts700024 = EntraError(status: 401, body: #"""
{
  "error": "invalid_client",
  "error_description": "AADSTS700024: Client assertion is not within its valid time range. Current time: 2024-06-04T11:40:28.3451933Z, assertion valid from 2024-06-04T09:20:46.0000000Z, expiry time of assertion 2024-06-04T10:20:46.0000000Z. Review the documentation at https://docs.microsoft.com/azure/active-directory/develop/active-directory-certificate-credentials . Trace ID: 44444444-4444-4444-4444-444444444444 Correlation ID: 55555555-5555-5555-5555-555555555555 Timestamp: 2024-06-04 11:40:28Z",
  "error_codes": [700024],
  "timestamp": "2024-06-04 11:40:28Z",
  "trace_id": "44444444-4444-4444-4444-444444444444",
  "correlation_id": "55555555-5555-5555-5555-555555555555",
  "error_uri": "https://login.microsoftonline.com/error?code=700024"
}
"""#, code: 700024)
    public static let aadsts700016 = EntraError(status: 400, body: #"""
{
  "error": "unauthorized_client",
  "error_description": "AADSTS700016: Application with identifier '66666666-6666-6666-6666-666666666666' was not found in the directory 'Contoso'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.\r\nTrace ID: 44444444-4444-4444-4444-444444444444\r\nCorrelation ID: 55555555-5555-5555-5555-555555555555\r\nTimestamp: 2023-04-20 15:45:29Z",
  "error_codes": [700016],
  "timestamp": "2023-04-20 15:45:29Z",
  "trace_id": "44444444-4444-4444-4444-444444444444",
  "correlation_id": "55555555-5555-5555-5555-555555555555",
  "error_uri": "https://login.microsoftonline.com/error?code=700016"
}
"""#, code: 700016)
    public static let aadsts70023 = EntraError(status: 400, body: #"""
{
  "error": "invalid_request",
  "error_description": "AADSTS70023: External OIDC Provider token must have a lifetime of less than or equal to 1.01:00:00. Token issued at 0. Token expires on 1643129773.\r\nTrace ID: 44444444-4444-4444-4444-444444444444\r\nCorrelation ID: 55555555-5555-5555-5555-555555555555\r\nTimestamp: 2022-01-25 15:56:23Z",
  "error_codes": [70023],
  "timestamp": "2022-01-25 15:56:23Z",
  "trace_id": "44444444-4444-4444-4444-444444444444",
  "correlation_id": "55555555-5555-5555-5555-555555555555",
  "error_uri": "https://login.microsoftonline.com/error?code=70023"
}
"""#, code: 70023)
    public static let aadsts90002 = EntraError(status: 400, body: #"""
{
  "error": "invalid_tenant",
  "error_description": "AADSTS90002: Tenant '00000000-0000-0000-0000-00000000000X' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant. Trace ID: 44444444-4444-4444-4444-444444444444 Correlation ID: 55555555-5555-5555-5555-555555555555 Timestamp: 2024-04-25 06:34:37Z",
  "error_codes": [90002],
  "timestamp": "2024-04-25 06:34:37Z",
  "trace_id": "44444444-4444-4444-4444-444444444444",
  "correlation_id": "55555555-5555-5555-5555-555555555555",
  "error_uri": "https://login.microsoftonline.com/error?code=90002"
}
"""#, code: 90002)
    public static let aadsts90061 = EntraError(status: 400, body: #"""
{
  "error": "invalid_request",
  "error_description": "AADSTS90061: Request to External OIDC endpoint failed.\r\nTrace ID: 44444444-4444-4444-4444-444444444444\r\nCorrelation ID: 55555555-5555-5555-5555-555555555555\r\nTimestamp: 2022-10-21 04:36:48Z",
  "error_codes": [90061],
  "timestamp": "2022-10-21 04:36:48Z",
  "trace_id": "44444444-4444-4444-4444-444444444444",
  "correlation_id": "55555555-5555-5555-5555-555555555555"
}
"""#, code: 90061)

    /// Every error above, by AADSTS code (for `parley-fakes entra --fail <code>`).
    public static let byCode: [Int: EntraError] = Dictionary(uniqueKeysWithValues:
        [aadsts70021, aadsts700211, aadsts700024, aadsts700016, aadsts70023, aadsts90002, aadsts90061].map { ($0.code, $0) })

    /// IMDS error bodies (`imds-error-*.json`).
    public static let imdsIdentityNotFound = #"{"error":"invalid_request","error_description":"Identity not found"}"#
    public static let imdsMultipleUserAssigned = #"{"error":"invalid_request","error_description":"Multiple user assigned identities exist, please specify the clientId / resourceId of the identity in the token request"}"#
    public static let imdsMissingMetadataHeader = #"{"error":"bad_request_102","error_description":"Required metadata header not specified"}"#
}
