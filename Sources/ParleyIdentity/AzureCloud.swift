/// The Azure cloud an authority host belongs to, and the token scopes of the services Parley uses
/// there. Resource IDs differ per cloud: a public-cloud scope requested from the US Government
/// authority fails (AADSTS500011), and a token for the wrong audience makes Azure OpenAI answer 401.
///
/// Values from Microsoft docs as of 2026-11: "Azure OpenAI in Azure Government"
/// (cognitiveservices.azure.us), Azure China 21Vianet developer guide (cognitiveservices.azure.cn,
/// login.chinacloudapi.cn), "Use Microsoft Entra ID for authentication with Azure Database for
/// PostgreSQL" (ossrdbms-aad.database.windows.net / .usgovcloudapi.net / .chinacloudapi.cn), and
/// the workload-identity webhook's authority hosts (identity.md §1.1).
public struct AzureCloud: Sendable, Equatable, CustomStringConvertible {
    public let name: String
    /// Host of the authority (`AZURE_AUTHORITY_HOST`) of this cloud.
    public let authorityHost: String
    /// Azure OpenAI (Cognitive Services) data-plane scope.
    public let cognitiveServicesScope: String
    /// Azure Database for PostgreSQL scope.
    public let postgresScope: String

    public static let azurePublic = AzureCloud(
        name: "Azure public cloud", authorityHost: "login.microsoftonline.com",
        cognitiveServicesScope: "https://cognitiveservices.azure.com/.default",
        postgresScope: "https://ossrdbms-aad.database.windows.net/.default")

    public static let usGovernment = AzureCloud(
        name: "Azure US Government", authorityHost: "login.microsoftonline.us",
        cognitiveServicesScope: "https://cognitiveservices.azure.us/.default",
        postgresScope: "https://ossrdbms-aad.database.usgovcloudapi.net/.default")

    public static let china = AzureCloud(
        name: "Azure China (21Vianet)", authorityHost: "login.chinacloudapi.cn",
        cognitiveServicesScope: "https://cognitiveservices.azure.cn/.default",
        postgresScope: "https://ossrdbms-aad.database.chinacloudapi.cn/.default")

    public static let known: [AzureCloud] = [.azurePublic, .usGovernment, .china]

    /// The cloud of an authority; hosts that are not a known cloud's (a loopback fake, a custom
    /// authority) use the public cloud's scopes, which the overrides can replace.
    public init(authority: AuthorityHost) {
        let host = AuthorityHost.host(of: authority.url)
        self = Self.known.first { $0.authorityHost == host } ?? .azurePublic
    }

    private init(name: String, authorityHost: String, cognitiveServicesScope: String, postgresScope: String) {
        self.name = name
        self.authorityHost = authorityHost
        self.cognitiveServicesScope = cognitiveServicesScope
        self.postgresScope = postgresScope
    }

    public var description: String { name }
}
