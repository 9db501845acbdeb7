import Foundation
import NIOHTTP1
import ParleyServer
import Testing

@Suite("Settings from the environment and .env")
struct SettingsTests {
    private func load(_ environment: [String: String], dotEnv: String? = nil) async throws -> ParleySettings {
        try await SettingsLoading.load(environment, dotEnv: dotEnv, identityVariables: ["AZURE_CLIENT_ID"])
    }

    private func failure(_ environment: [String: String], dotEnv: String? = nil) async -> SettingsError? {
        do {
            _ = try await load(environment, dotEnv: dotEnv)
            return nil
        } catch {
            return error as? SettingsError
        }
    }

    @Test func defaultsToOfflineOnPort8087() async throws {
        let settings = try await load([:])
        #expect(settings.mode == .offline)
        #expect(settings.port == 8087)
        #expect(settings.host == "0.0.0.0")
        #expect(settings.maxQuestionChars == 8000)
        #expect(settings.maxBodyBytes == 65536)
        #expect(settings.maxSessions == 10_000)
        #expect(settings.sessionTTL == .seconds(3600))
        #expect(settings.maxTurns == 200)
        #expect(settings.historyTokens == 3000)
        #expect(settings.maxRetries == 2)
        #expect(settings.requestTimeout == .seconds(300))
        #expect(settings.shutdownGrace == .seconds(25))
    }

    @Test func readsTheOriginalChatbotsQuotedDotEnv() async throws {
        // The original guide's .env quotes every value.
        let dotEnv = """
            # Azure OpenAI
            OPENAI_API_TYPE="azure_ad"
            OPENAI_API_BASE="https://my-resource.openai.azure.com/"
            OPENAI_API_VERSION='2023-08-01-preview'
            DEPLOYMENT_NAME="gpt-35-turbo"
            TEMPERATURE="0.7"
            AZURE_CLIENT_ID="00000000-0000-0000-0000-000000000001"
            """
        let settings = try await load([:], dotEnv: dotEnv)
        #expect(settings.mode == .azure)
        #expect(settings.endpoint == "https://my-resource.openai.azure.com")
        #expect(settings.authentication == .entra)
        #expect(settings.apiVersion == "2023-08-01-preview")
        #expect(settings.defaultDeployment == "gpt-35-turbo")
        #expect(settings.temperature == 0.7)
        #expect(settings.identityEnvironment["AZURE_CLIENT_ID"] == "00000000-0000-0000-0000-000000000001")
    }

    @Test func theEnvironmentWinsOverDotEnv() async throws {
        let settings = try await load(["DEPLOYMENT_NAME": "gpt-4", "OPENAI_API_BASE": "https://a.openai.azure.com"], dotEnv: "DEPLOYMENT_NAME=gpt-35-turbo\n")
        #expect(settings.defaultDeployment == "gpt-4")
    }

    @Test func newNamesWorkAndAKeySelectsKeyAuthentication() async throws {
        let settings = try await load([
            "AZURE_OPENAI_ENDPOINT": "https://a.openai.azure.com/", "AZURE_OPENAI_API_KEY": "k",
            "AZURE_OPENAI_DEPLOYMENT": "gpt-4", "PARLEY_DEPLOYMENTS": "gpt-35-turbo, gpt-4 ,o1",
        ])
        #expect(settings.authentication == .apiKey)
        #expect(settings.apiKey == "k")
        #expect(settings.apiVersion == "2024-10-21")
        #expect(settings.deployments == ["gpt-4", "gpt-35-turbo", "o1"])
    }

    struct Bad: Sendable, CustomStringConvertible {
        let environment: [String: String]
        let variable: String
        var description: String { variable + " " + environment.description }
    }

    static let endpoint = ["OPENAI_API_BASE": "https://a.openai.azure.com", "DEPLOYMENT_NAME": "d"]
    static let bad: [Bad] = [
        Bad(environment: ["PORT": "eighty"], variable: "PORT"),
        Bad(environment: ["PORT": "70000"], variable: "PORT"),
        Bad(environment: ["PARLEY_MAX_TURNS": "0"], variable: "PARLEY_MAX_TURNS"),
        Bad(environment: ["PARLEY_SESSION_TTL": "1h"], variable: "PARLEY_SESSION_TTL"),
        Bad(environment: ["LOG_LEVEL": "verbose"], variable: "LOG_LEVEL"),
        Bad(environment: ["LOG_FORMAT": "xml"], variable: "LOG_FORMAT"),
        Bad(environment: ["TEMPERATURE": "hot"], variable: "TEMPERATURE"),
        Bad(environment: ["OPENAI_API_BASE": "https://a.openai.azure.com"], variable: "DEPLOYMENT_NAME"),
        Bad(environment: ["OPENAI_API_BASE": "http://a.openai.azure.com", "DEPLOYMENT_NAME": "d"], variable: "OPENAI_API_BASE"),
        Bad(environment: ["OPENAI_API_BASE": "not a url", "DEPLOYMENT_NAME": "d"], variable: "OPENAI_API_BASE"),
        Bad(environment: endpoint.merging(["OPENAI_API_TYPE": "openai"]) { $1 }, variable: "OPENAI_API_TYPE"),
        Bad(environment: endpoint.merging(["OPENAI_API_TYPE": "azure"]) { $1 }, variable: "OPENAI_API_TYPE"),
        Bad(environment: endpoint.merging(["OPENAI_API_VERSION": "latest"]) { $1 }, variable: "OPENAI_API_VERSION"),
        Bad(environment: endpoint.merging(["AZURE_OPENAI_ENDPOINT": "https://b.openai.azure.com"]) { $1 }, variable: "OPENAI_API_BASE and AZURE_OPENAI_ENDPOINT"),
        Bad(environment: endpoint.merging(["PARLEY_DEPLOYMENTS": "ok,not ok"]) { $1 }, variable: "PARLEY_DEPLOYMENTS"),
        Bad(environment: ["PARLEY_RATE_LIMIT": "-1"], variable: "PARLEY_RATE_LIMIT"),
        Bad(environment: ["PARLEY_RATE_LIMIT": "ten"], variable: "PARLEY_RATE_LIMIT"),
        Bad(environment: ["PARLEY_DAILY_TOKEN_BUDGET": "1e6"], variable: "PARLEY_DAILY_TOKEN_BUDGET"),
        Bad(environment: ["PARLEY_TRUSTED_PROXIES": "10.0.0.0/33"], variable: "PARLEY_TRUSTED_PROXIES"),
        Bad(environment: ["PARLEY_TRUSTED_PROXIES": "fd00::/129"], variable: "PARLEY_TRUSTED_PROXIES"),
        Bad(environment: ["PARLEY_TRUSTED_PROXIES": "10.0.0.1,,10.0.0.2"], variable: "PARLEY_TRUSTED_PROXIES"),
        Bad(environment: ["PARLEY_TRUSTED_PROXIES": "proxy.internal"], variable: "PARLEY_TRUSTED_PROXIES"),
        Bad(environment: ["PARLEY_TRUSTED_PROXIES": "10.1"], variable: "PARLEY_TRUSTED_PROXIES"),
        Bad(environment: ["PARLEY_TRUSTED_PROXIES": "10.0.0.0/+8"], variable: "PARLEY_TRUSTED_PROXIES"),
    ]

    @Test(arguments: bad)
    func aBadSettingFailsNamingTheVariable(_ bad: Bad) async throws {
        let error = try #require(await failure(bad.environment))
        #expect(error.variable == bad.variable)
        #expect(!error.description.contains("\n"))
    }

    @Test func differingKeysFailWithoutShowingEitherKey() async throws {
        let error = try #require(
            await failure(Self.endpoint.merging(["OPENAI_API_KEY": "secret-one", "AZURE_OPENAI_API_KEY": "secret-two"]) { $1 }))
        #expect(error.variable == "OPENAI_API_KEY and AZURE_OPENAI_API_KEY")
        #expect(!error.description.contains("secret-one"))
        #expect(!error.description.contains("secret-two"))
    }

    @Test func summaryNeverShowsTheKey() async throws {
        let settings = try await load(Self.endpoint.merging(["OPENAI_API_KEY": "super-secret-key"]) { $1 })
        let text = settings.summary.map { "\($0.0): \($0.1)" }.joined(separator: "\n")
        #expect(!text.contains("super-secret-key"))
        #expect(text.contains("set (hidden)"))
    }

    @Test func loopbackHTTPIsAcceptedForLocalFakes() async throws {
        let settings = try await load(["OPENAI_API_BASE": "http://127.0.0.1:9999/", "DEPLOYMENT_NAME": "d", "OPENAI_API_KEY": "k"])
        #expect(settings.endpoint == "http://127.0.0.1:9999")
    }
}

@Suite("Settings of the team's documents (issue 14)")
struct DocumentSettingsTests {
    private static let folder = FileManager.default.temporaryDirectory.path

    private func load(_ environment: [String: String]) async throws -> ParleySettings {
        try await SettingsLoading.load(environment, identityVariables: [])
    }

    private func failure(_ environment: [String: String]) async -> SettingsError? {
        do {
            _ = try await load(environment)
            return nil
        } catch {
            return error as? SettingsError
        }
    }

    @Test func withoutAFolderThereAreNoDocuments() async throws {
        #expect(try await load([:]).documents == nil)
    }

    @Test func defaults() async throws {
        let documents = try #require(try await load(["PARLEY_DOCS_DIR": Self.folder]).documents)
        #expect(documents.directory == Self.folder)
        #expect(documents.contextTokens == 1500)
        #expect(documents.store == .sqlite)
        #expect(documents.sqlitePath == nil)
        #expect(documents.language == "english")
        #expect(documents.refreshInterval == .seconds(60))
        #expect(documents.embeddingDeployment == nil)
    }

    @Test func theIndexFileLivesInTheDataFolder() async throws {
        let documents = try await load(["PARLEY_DOCS_DIR": Self.folder, "PARLEY_DATA_DIR": Self.folder, "PARLEY_DOCS_REFRESH": "0"]).documents
        #expect(documents?.sqlitePath == Self.folder + "/documents.sqlite")
        #expect(documents?.refreshInterval == nil)
    }

    @Test(arguments: [
        (["PARLEY_DOCS_DIR": "/no/such/folder"], "PARLEY_DOCS_DIR"),
        (["PARLEY_DOCS_DIR": "/proc/version"], "PARLEY_DOCS_DIR"),
        (["PARLEY_DOCS_DIR": "/", "PARLEY_DATA_DIR": "/no/such/data"], "PARLEY_DATA_DIR"),
        (["PARLEY_DOCS_DIR": "/", "PARLEY_CONTEXT_TOKENS": "10"], "PARLEY_CONTEXT_TOKENS"),
        (["PARLEY_DOCS_DIR": "/", "PARLEY_CONTEXT_TOKENS": "lots"], "PARLEY_CONTEXT_TOKENS"),
        (["PARLEY_DOCS_DIR": "/", "PARLEY_DOCS_REFRESH": "-1"], "PARLEY_DOCS_REFRESH"),
        (["PARLEY_DOCS_DIR": "/", "PARLEY_DOCS_STORE": "elastic"], "PARLEY_DOCS_STORE"),
        (["PARLEY_DOCS_DIR": "/", "PARLEY_DOCS_STORE": "postgres"], "PARLEY_DOCS_STORE"),
        (["PARLEY_DOCS_DIR": "/", "PARLEY_DOCS_LANGUAGE": "english'; drop table x; --"], "PARLEY_DOCS_LANGUAGE"),
        (["PARLEY_DOCS_DIR": "/", "PARLEY_EMBEDDING_DEPLOYMENT": "text-embedding-3-small"], "PARLEY_EMBEDDING_DEPLOYMENT"),
        (["PARLEY_EMBEDDING_DEPLOYMENT": "text-embedding-3-small"], "PARLEY_EMBEDDING_DEPLOYMENT"),
        (["PARLEY_DOCS_STORE": "sqlite"], "PARLEY_DOCS_STORE"),
    ])
    func badValuesNameTheirVariable(environment: [String: String], variable: String) async {
        let error = await failure(environment)
        #expect(error?.variable == variable, "\(String(describing: error))")
    }

    @Test func anEmbeddingsDeploymentNeedsAnEndpoint() async throws {
        let settings = try await load([
            "PARLEY_DOCS_DIR": Self.folder, "PARLEY_EMBEDDING_DEPLOYMENT": "text-embedding-3-small",
            "OPENAI_API_BASE": "https://r.openai.azure.com", "DEPLOYMENT_NAME": "gpt-4o",
        ])
        #expect(settings.documents?.embeddingDeployment == "text-embedding-3-small")
        let bad = await failure([
            "PARLEY_DOCS_DIR": Self.folder, "PARLEY_EMBEDDING_DEPLOYMENT": "bad name!",
            "OPENAI_API_BASE": "https://r.openai.azure.com", "DEPLOYMENT_NAME": "gpt-4o",
        ])
        #expect(bad?.variable == "PARLEY_EMBEDDING_DEPLOYMENT")
    }

    @Test func thePostgresIndexNeedsThePostgresSessionStore() async throws {
        let settings = try await load([
            "PARLEY_DOCS_DIR": Self.folder, "PARLEY_DOCS_STORE": "postgres", "PARLEY_DOCS_LANGUAGE": "german",
            "PARLEY_SESSION_STORE": "postgres", "PGHOST": "127.0.0.1",
        ])
        #expect(settings.documents?.store == .postgres)
        #expect(settings.documents?.language == "german")
    }
}
