/// The scopes Parley requests tokens for: from the cloud of `AZURE_AUTHORITY_HOST` (`AzureCloud`),
/// unless `AZURE_OPENAI_SCOPE` / `PARLEY_POSTGRES_SCOPE` name one explicitly (sovereign or
/// private clouds Parley does not know).
public struct ServiceScopes: Sendable, Equatable {
    public var cloud: AzureCloud
    /// Azure OpenAI data-plane tokens.
    public var openAI: String
    /// Azure Database for PostgreSQL tokens (`PARLEY_POSTGRES_AUTH=entra`).
    public var postgres: String

    /// Public cloud, no overrides.
    public static let azurePublic = ServiceScopes(cloud: .azurePublic, openAI: AzureCloud.azurePublic.cognitiveServicesScope,
                                                  postgres: AzureCloud.azurePublic.postgresScope)

    public init(cloud: AzureCloud, openAI: String, postgres: String) {
        self.cloud = cloud
        self.openAI = openAI
        self.postgres = postgres
    }

    /// - Throws: `IdentityConfigurationError` for an override that is not an https URL ending in
    ///   `/.default`. An invalid `AZURE_AUTHORITY_HOST` counts as the public cloud here; the
    ///   credentials refuse it with their own error when they are built.
    public init(environment: [String: String]) throws {
        let authority = try? AuthorityHost(environment[IdentityEnvironment.authorityHost])
        let cloud = authority.map(AzureCloud.init(authority:)) ?? .azurePublic
        self.cloud = cloud
        openAI = try Self.override(IdentityEnvironment.openAIScope, environment) ?? cloud.cognitiveServicesScope
        postgres = try Self.override(IdentityEnvironment.postgresScope, environment) ?? cloud.postgresScope
    }

    /// The audience of an Azure OpenAI token: the scope without `/.default`.
    public var openAIAudience: String { Scopes.resource(of: openAI) }

    private static func override(_ variable: String, _ environment: [String: String]) throws -> String? {
        guard let value = IdentityEnvironment.value(variable, in: environment) else { return nil }
        // Client-credential flows need the `/.default` form (AADSTS1002012, identity.md §1.6).
        guard value.hasPrefix("https://"), value.hasSuffix("/.default"), value.count > "https:///.default".count,
              Scopes.isSafeForCommandLine(scope: value) else {
            throw IdentityConfigurationError(variable: variable, message:
                "\(variable) '\(value)' is not a token scope; use the resource's URL followed by /.default, e.g. https://cognitiveservices.azure.us/.default, or unset it to follow AZURE_AUTHORITY_HOST.")
        }
        return value
    }
}
