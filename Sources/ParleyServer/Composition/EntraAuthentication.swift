import AsyncHTTPClient
import Logging
import ParleyAzureOpenAI

/// Keyless access to Azure OpenAI through the Entra credential chain and the process-wide token cache.
struct EntraAuthentication {
    let authenticator: any AzureOpenAIAuthenticator
    let readiness: @Sendable () async -> String?

    static func make(settings: ParleySettings, httpClient: HTTPClient, logger: Logger) throws -> EntraAuthentication {
        // Wired once the credential chain lands (issue: keyless access).
        throw SettingsError("OPENAI_API_TYPE", "azure_ad is not available in this build yet; set OPENAI_API_KEY and OPENAI_API_TYPE=azure")
    }
}
