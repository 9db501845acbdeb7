import Foundation
import ParleyServer
import ParleyTestSupport
import Testing

/// `PARLEY_BACKENDS_FILE` (issue 15): the contract's shape, its defaults, and one line naming the
/// file, the entry and the field for every mistake.
@Suite("Backends file")
struct BackendsFileTests {
    static let example = """
        {"deployments": {
           "gpt-4o": [
             {"endpoint": "https://east.openai.azure.com/", "deployment": "gpt-4o", "priority": 1, "weight": 3},
             {"endpoint": "https://west.openai.azure.com/", "priority": 2, "api_key_env": "WEST_KEY"}]},
         "default_deployment": "gpt-4o"}
        """
    static let westKey = "west-key-0123456789abcdef"

    /// Writes `contents` to a temporary file and loads settings with PARLEY_BACKENDS_FILE naming it.
    static func load(_ contents: String, _ environment: [String: String] = [:], dotEnv: String? = nil) async throws -> ParleySettings {
        try await withFile(contents) { path in
            try await SettingsLoading.load(
                environment.merging(["PARLEY_BACKENDS_FILE": path]) { $1 }, dotEnv: dotEnv, identityVariables: ["AZURE_CLIENT_ID"])
        }
    }

    static func withFile<T>(_ contents: String, suffix: String = ".json", _ body: (String) async throws -> T) async throws -> T {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("parley-backends-\(UUID().uuidString)\(suffix)")
        try contents.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        return try await body(file.path)
    }

    static func failure(_ contents: String, _ environment: [String: String] = [:]) async -> SettingsError? {
        do {
            _ = try await load(contents, environment)
            return nil
        } catch {
            return error as? SettingsError
        }
    }

    @Test func theContractShapeWithItsDefaults() async throws {
        let settings = try await Self.load(Self.example, ["WEST_KEY": Self.westKey])
        let backends = try #require(settings.backends)
        #expect(settings.mode == .azure)
        #expect(settings.defaultDeployment == "gpt-4o")
        #expect(settings.deployments == ["gpt-4o"])
        let list = try #require(backends.deployments["gpt-4o"])
        #expect(list.count == 2)
        #expect(list[0].endpoint == "https://east.openai.azure.com")
        #expect(list[0].deployment == "gpt-4o")
        #expect(list[0].priority == 1 && list[0].weight == 3)
        #expect(list[0].apiKey == nil, "without api_key_env the backend uses Entra")
        #expect(list[1].deployment == "gpt-4o", "deployment defaults to the key")
        #expect(list[1].priority == 2 && list[1].weight == 1, "weight defaults to 1")
        #expect(list[1].apiKeyVariable == "WEST_KEY")
        #expect(list[1].apiKey == Self.westKey)
        // The one-endpoint fields show the primary backend.
        #expect(settings.endpoint == "https://east.openai.azure.com")
        #expect(settings.authentication == .entra)
        let summary = settings.summary.map { "\($0.0): \($0.1)" }.joined(separator: "\n")
        #expect(!summary.contains(Self.westKey))
        #expect("\(list[1])".contains("WEST_KEY") && !"\(list[1])".contains(Self.westKey))
    }

    /// The same contract in YAML, as a ConfigMap usually holds it.
    static let yamlExample = """
        # Two accounts for gpt-4o: east first.
        deployments:
          gpt-4o:
            - endpoint: https://east.openai.azure.com/
              deployment: gpt-4o
              priority: 1
              weight: 3
            - endpoint: "https://west.openai.azure.com/"
              priority: 2
              api_key_env: WEST_KEY
        default_deployment: gpt-4o
        """

    /// YAML by extension (`.yaml`, `.yml`) or, under any other name (a ConfigMap key), by not starting with `{`.
    @Test(arguments: [".yaml", ".yml", ""])
    func theSameContractInYAML(suffix: String) async throws {
        let settings = try await Self.withFile(Self.yamlExample, suffix: suffix) { path in
            try await SettingsLoading.load(["PARLEY_BACKENDS_FILE": path, "WEST_KEY": Self.westKey], identityVariables: [])
        }
        let json = try await Self.load(Self.example, ["WEST_KEY": Self.westKey])
        #expect(settings.backends?.deployments == json.backends?.deployments)
        #expect(settings.backends?.defaultDeployment == "gpt-4o")
        #expect(settings.backends?.deployments["gpt-4o"]?[1].weight == 1)
    }

    @Test(arguments: [
        ("deployments: [unclosed", "not valid YAML"),
        ("", "the file is empty"),
        ("deployments:\n  gpt-4o:\n    - endpoint: https://e.openai.azure.com\n      weight: heavy\n", "deployments.gpt-4o[0].weight: must be a whole number"),
        ("deployments:\n  gpt-4o:\n    - endpoint: https://e.openai.azure.com\n      priority: \"2\"\n", "deployments.gpt-4o[0].priority: must be a whole number"),
        ("deployments:\n  gpt-4o:\n    - endpoint: https://e.openai.azure.com\n      weight: true\n", "deployments.gpt-4o[0].weight: must be a whole number"),
        ("deployments:\n  gpt-4o:\n    - endpont: https://e.openai.azure.com\n", "deployments.gpt-4o[0].endpont: unknown field"),
        ("deployments:\n  gpt-4o:\n    - endpoint: https://e.openai.azure.com\n      1: x\n", "deployments.gpt-4o[0].1: unknown field"),
        ("deployments:\n  ? [a, b]\n  : x\n", "deployments: every key must be plain text"),
        ("- just\n- a list\n", "top level: must be an object"),
    ])
    func aBadYAMLFileIsOneLineToo(contents: String, expected: String) async throws {
        let error = try #require(await Self.withFile(contents, suffix: ".yaml") { path -> SettingsError? in
            do {
                _ = try await SettingsLoading.load(["PARLEY_BACKENDS_FILE": path], identityVariables: [])
                return nil
            } catch {
                return error as? SettingsError
            }
        })
        #expect(error.problem.contains("parley-backends-"), "the file is not named: \(error)")
        #expect(error.problem.contains(expected), "\(error)")
        #expect(!"\(error)".contains("\n"))
    }

    @Test func severalDeploymentsTheDefaultFirstAndAKeyFromDotEnv() async throws {
        let contents = """
            {"deployments": {"gpt-4o": [{"endpoint": "https://a.openai.azure.com", "api_key_env": "A_KEY"}],
                             "gpt-35-turbo": [{"endpoint": "https://b.openai.azure.com", "deployment": "turbo", "priority": 3}]},
             "default_deployment": "gpt-4o"}
            """
        let settings = try await Self.load(contents, dotEnv: "A_KEY=from-dot-env")
        #expect(settings.deployments == ["gpt-4o", "gpt-35-turbo"])
        #expect(settings.backends?.deployments["gpt-4o"]?.first?.apiKey == "from-dot-env")
        #expect(settings.authentication == .apiKey)
        #expect(settings.backends?.deployments["gpt-35-turbo"]?.first?.deployment == "turbo")
    }

    @Test(arguments: [
        ("{not json", "not valid JSON"),
        ("[]", "top level: must be an object"),
        (#"{"deployments": {}}"#, "deployments: required"),
        (#"{"deployments": {"gpt-4o": []}}"#, "deployments.gpt-4o: must be a non-empty list"),
        (#"{"deployments": {"gpt-4o": [{"priority": 1}]}}"#, "deployments.gpt-4o[0].endpoint: required"),
        (#"{"deployments": {"gpt-4o": [{"endpoint": "http://east.example.com"}]}}"#, "deployments.gpt-4o[0].endpoint: 'http://east.example.com' uses http"),
        (#"{"deployments": {"gpt-4o": [{"endpoint": "east"}]}}"#, "deployments.gpt-4o[0].endpoint: 'east' is not a URL"),
        (#"{"deployments": {"gpt-4o": [{"endpoint": "https://e.openai.azure.com", "priority": "1"}]}}"#, "deployments.gpt-4o[0].priority: must be a whole number"),
        (#"{"deployments": {"gpt-4o": [{"endpoint": "https://e.openai.azure.com", "priority": 0}]}}"#, "deployments.gpt-4o[0].priority: must be a whole number"),
        (#"{"deployments": {"gpt-4o": [{"endpoint": "https://e.openai.azure.com", "weight": 1.5}]}}"#, "deployments.gpt-4o[0].weight: must be a whole number"),
        (#"{"deployments": {"gpt-4o": [{"endpoint": "https://e.openai.azure.com", "deployment": ""}]}}"#, "deployments.gpt-4o[0].deployment: must be a non-empty string"),
        (#"{"deployments": {"gpt-4o": [{"endpoint": "https://e.openai.azure.com", "priorty": 2}]}}"#, "deployments.gpt-4o[0].priorty: unknown field"),
        (#"{"deployments": {"gpt-4o": [{"endpoint": "https://e.openai.azure.com"}, {"endpoint": "https://w.openai.azure.com", "api_key_env": "NOT_SET_KEY"}]}}"#, "deployments.gpt-4o[1].api_key_env: NOT_SET_KEY is not set"),
        (#"{"deployments": {"gpt-4o": [{"endpoint": "https://e.openai.azure.com", "api_key_env": "sk-abc def"}]}}"#, "deployments.gpt-4o[0].api_key_env: must be the name of the variable"),
        (#"{"deployments": {"gpt-4o": [{"endpoint": "https://e.openai.azure.com"}, {"endpoint": "https://e.openai.azure.com/"}]}}"#, "deployments.gpt-4o[1]: https://e.openai.azure.com gpt-4o is listed twice"),
        (#"{"deployments": {"a": [{"endpoint": "https://e.openai.azure.com"}], "b": [{"endpoint": "https://e.openai.azure.com"}]}}"#, "default_deployment: required with several deployments"),
        (#"{"deployments": {"a": [{"endpoint": "https://e.openai.azure.com"}]}, "default_deployment": "b"}"#, "default_deployment: must be one of the deployments: a"),
        (#"{"deployments": {"a": [{"endpoint": "https://e.openai.azure.com"}]}, "default": "a"}"#, "default: unknown field"),
    ])
    func aBadFileIsOneLineNamingTheFileTheEntryAndTheField(contents: String, expected: String) async throws {
        let error = try #require(await Self.failure(contents))
        #expect(error.variable == "PARLEY_BACKENDS_FILE")
        #expect(error.problem.contains("parley-backends-"), "the file is not named: \(error)")
        #expect(error.problem.contains(expected), "\(error)")
        #expect(!"\(error)".contains("\n"))
    }

    @Test func aMissingFileAndTheOneEndpointVariablesAreRefused() async throws {
        let missing = try await #require(throws: SettingsError.self) {
            try await SettingsLoading.load(["PARLEY_BACKENDS_FILE": "/nonexistent/backends.json"], identityVariables: [])
        }
        #expect("\(missing)" == "PARLEY_BACKENDS_FILE: /nonexistent/backends.json: cannot be read; mount the backends file there or fix the path")
        let both = try #require(await Self.failure(Self.example, ["WEST_KEY": "k", "OPENAI_API_BASE": "https://x.openai.azure.com"]))
        #expect("\(both)".contains("OPENAI_API_BASE is set too"))
        let deployment = try #require(await Self.failure(Self.example, ["WEST_KEY": "k", "DEPLOYMENT_NAME": "gpt-4o"]))
        #expect("\(deployment)".contains("DEPLOYMENT_NAME is set too"))
    }

    @Test func withoutTheFileTheOneEndpointSettingsAreUnchanged() async throws {
        let settings = try await SettingsLoading.load(
            ["OPENAI_API_BASE": "https://one.openai.azure.com/", "DEPLOYMENT_NAME": "gpt-35-turbo", "PARLEY_DEPLOYMENTS": "gpt-35-turbo,gpt-4"],
            identityVariables: [])
        #expect(settings.backends == nil)
        #expect(settings.endpoint == "https://one.openai.azure.com")
        #expect(settings.deployments == ["gpt-35-turbo", "gpt-4"])
    }

    @Test func parleyServeExitsWithCodeTwoAndOneLine() async throws {
        let executable = BuiltExecutable.parley
        try #require(FileManager.default.isExecutableFile(atPath: executable.path), "parley not built at \(executable.path)")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("parley-bf-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("backends.json")
        try #"{"deployments": {"gpt-4o": [{"endpoint": "https://e.openai.azure.com", "weight": 0}]}}"#
            .write(to: file, atomically: true, encoding: .utf8)
        let process = try LaunchedProcess(
            executable, arguments: ["serve"], environment: ["PARLEY_BACKENDS_FILE": file.path, "PORT": "0", "HOST": "127.0.0.1"],
            directory: directory, standardOutput: .file, standardError: .file)
        if try await !process.waitForExit(timeout: .seconds(60)) { process.stop() }
        #expect(process.terminationStatus == 2)
        let stderr = process.text(.standardError)
        #expect(stderr == "parley: configuration error: PARLEY_BACKENDS_FILE: \(file.path): deployments.gpt-4o[0].weight: must be a whole number from 1 to 1000\n")
    }
}
