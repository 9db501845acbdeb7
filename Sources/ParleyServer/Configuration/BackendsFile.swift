import Foundation
import Yams

/// `PARLEY_BACKENDS_FILE` (issue 15): each picker deployment's backends. The shape is a contract:
///
///     {"deployments": {"gpt-4o": [
///         {"endpoint": "https://east.openai.azure.com/", "deployment": "gpt-4o", "priority": 1, "weight": 3},
///         {"endpoint": "https://west.openai.azure.com/", "priority": 2, "api_key_env": "WEST_KEY"}]},
///      "default_deployment": "gpt-4o"}
///
/// `deployment` defaults to the key, `priority` and `weight` to 1; without `api_key_env` the backend
/// uses Entra tokens. JSON or YAML (the same keys), read as a tree with Foundation's JSON parser or
/// Yams: swift-configuration's file providers give scalars by key, not lists of objects, and naming
/// the entry and field of a mistake needs the tree.
public struct BackendsFile: Sendable, Equatable {
    /// One backend as the file gives it, its key read from the named variable at load.
    public struct Backend: Sendable, Equatable, CustomStringConvertible {
        /// Without trailing slashes.
        public var endpoint: String
        public var deployment: String
        public var priority: Int
        public var weight: Int
        /// The variable holding the API key; nil means Entra.
        public var apiKeyVariable: String?
        /// The key read from `apiKeyVariable`. A secret: never printed (see `description`).
        public var apiKey: String?

        public var description: String {
            "\(endpoint) \(deployment) priority \(priority) weight \(weight) "
                + (apiKeyVariable.map { "api key from \($0)" } ?? "Entra")
        }
    }

    public var path: String
    /// By picker deployment (what `/config` lists and `/ask` takes).
    public var deployments: [String: [Backend]]
    public var defaultDeployment: String

    /// The picker deployments, the default first, then by name.
    public var deploymentNames: [String] {
        [defaultDeployment] + deployments.keys.filter { $0 != defaultDeployment }.sorted()
    }

    /// The backend a one-endpoint view (the summary, `parley doctor`'s single checks) shows: the
    /// default deployment's first backend by priority.
    public var primary: Backend {
        deployments[defaultDeployment]!.min { $0.priority < $1.priority }!
    }

    static let fields: Set<String> = ["endpoint", "deployment", "priority", "weight", "api_key_env"]

    /// Parses the file's contents; `variable` reads an API key variable (the environment or `.env`).
    /// Every mistake is one `SettingsError` line naming the file, the entry and the field.
    static func parse(path: String, data: Data, variable: (String) -> String?) throws -> BackendsFile {
        let name = SettingNames.backendsFile
        func fail(_ at: String, _ problem: String) -> SettingsError {
            SettingsError(name, "\(path): \(at): \(problem)")
        }
        let root = try isYAML(path: path, data: data) ? yamlTree(path: path, data: data) : jsonTree(path: path, data: data)
        guard let top = root as? [String: Any] else { throw fail("top level", "must be an object with \"deployments\"") }
        if let unknown = top.keys.sorted().first(where: { !["deployments", "default_deployment"].contains($0) }) {
            throw fail(unknown, "unknown field; the top level has \"deployments\" and \"default_deployment\"")
        }
        guard let table = top["deployments"] as? [String: Any], !table.isEmpty else {
            throw fail("deployments", "required: an object mapping each deployment name to a list of backends")
        }
        var deployments: [String: [Backend]] = [:]
        for key in table.keys.sorted() {
            let entry = "deployments.\(key)"
            guard !key.trimmingCharacters(in: .whitespaces).isEmpty else { throw fail(entry, "a deployment name must not be empty") }
            guard let list = table[key] as? [Any], !list.isEmpty else {
                throw fail(entry, "must be a non-empty list of backends")
            }
            var backends: [Backend] = []
            for (index, item) in list.enumerated() {
                let at = "\(entry)[\(index)]"
                guard let object = item as? [String: Any] else { throw fail(at, "must be an object with \"endpoint\"") }
                if let unknown = object.keys.sorted().first(where: { !fields.contains($0) }) {
                    throw fail("\(at).\(unknown)", "unknown field; use \(fields.sorted().joined(separator: ", "))")
                }
                guard var endpoint = nonEmptyString(object["endpoint"]) else {
                    throw fail("\(at).endpoint", "required: the resource's endpoint, e.g. https://my-resource.openai.azure.com/")
                }
                while endpoint.hasSuffix("/") { endpoint.removeLast() }
                if let problem = SettingValues.endpointProblem(endpoint) { throw fail("\(at).endpoint", problem) }
                var deployment = key
                if let value = object["deployment"] {
                    guard let text = nonEmptyString(value) else { throw fail("\(at).deployment", "must be a non-empty string") }
                    deployment = text
                }
                let priority = try wholeNumber(object["priority"], in: 1...1000) {
                    fail("\(at).priority", "must be a whole number from 1 to 1000 (1 answers first)")
                }
                let weight = try wholeNumber(object["weight"], in: 1...1000) {
                    fail("\(at).weight", "must be a whole number from 1 to 1000")
                }
                var backend = Backend(endpoint: endpoint, deployment: deployment, priority: priority, weight: weight)
                if let value = object["api_key_env"] {
                    guard let variableName = nonEmptyString(value),
                        variableName.wholeMatch(of: #/[A-Za-z_][A-Za-z0-9_]*/#) != nil
                    else {
                        throw fail("\(at).api_key_env", "must be the name of the variable that holds the key (never the key itself)")
                    }
                    guard let key = variable(variableName) else {
                        throw fail("\(at).api_key_env", "\(variableName) is not set; set it to the resource's key, or remove api_key_env to use Entra")
                    }
                    backend.apiKeyVariable = variableName
                    backend.apiKey = key
                }
                if backends.contains(where: { $0.endpoint == endpoint && $0.deployment == deployment }) {
                    throw fail(at, "\(endpoint) \(deployment) is listed twice")
                }
                backends.append(backend)
            }
            deployments[key] = backends
        }
        let defaultDeployment: String
        if let value = top["default_deployment"] {
            guard let text = nonEmptyString(value), deployments[text] != nil else {
                throw fail("default_deployment", "must be one of the deployments: \(deployments.keys.sorted().joined(separator: ", "))")
            }
            defaultDeployment = text
        } else if deployments.count == 1, let only = deployments.keys.first {
            defaultDeployment = only
        } else {
            throw fail("default_deployment", "required with several deployments: one of \(deployments.keys.sorted().joined(separator: ", "))")
        }
        return BackendsFile(path: path, deployments: deployments, defaultDeployment: defaultDeployment)
    }

    /// `.yaml`/`.yml`, or any other name whose first character is not `{` (as a ConfigMap key may be).
    private static func isYAML(path: String, data: Data) -> Bool {
        let lower = path.lowercased()
        if lower.hasSuffix(".json") { return false }
        if lower.hasSuffix(".yaml") || lower.hasSuffix(".yml") { return true }
        let first = data.first { !Character(UnicodeScalar($0)).isWhitespace }
        return first != UInt8(ascii: "{")
    }

    private static func jsonTree(path: String, data: Data) throws -> Any {
        do {
            return try JSONSerialization.jsonObject(with: data)
        } catch {
            throw SettingsError(SettingNames.backendsFile, "\(path): not valid JSON (\(Self.oneLine(error))); see README \"Several endpoints\"")
        }
    }

    /// The YAML document as the JSON parser would give it: mappings with string keys, lists, scalars.
    /// Built from Yams' node tree rather than `Yams.load`, which traps on a key that is not a
    /// scalar (`? [a, b]: x`, Yams 6.2.2) — a hostile file must be an error, not a crash.
    private static func yamlTree(path: String, data: Data) throws -> Any {
        let name = SettingNames.backendsFile
        guard let text = String(data: data, encoding: .utf8) else {
            throw SettingsError(name, "\(path): not UTF-8 text")
        }
        let document: Node?
        do {
            document = try Yams.compose(yaml: text)
        } catch {
            throw SettingsError(name, "\(path): not valid YAML (\(Self.oneLine(error))); see README \"Several endpoints\"")
        }
        guard let document else { throw SettingsError(name, "\(path): the file is empty; see README \"Several endpoints\"") }
        return try jsonShaped(document, path: path, at: "top level")
    }

    private static func jsonShaped(_ node: Node, path: String, at: String) throws -> Any {
        switch node {
        case .scalar:
            // Typed by YAML's own resolution: `2` is a number, `"2"` text, `true` a Boolean.
            return node.any
        case .sequence(let list):
            return try list.enumerated().map { try jsonShaped($0.element, path: path, at: "\(at)[\($0.offset)]") }
        case .mapping(let mapping):
            var object: [String: Any] = [:]
            for (key, value) in mapping {
                guard case .scalar(let scalar) = key else {
                    throw SettingsError(SettingNames.backendsFile, "\(path): \(at): every key must be plain text")
                }
                let name = scalar.string
                object[name] = try jsonShaped(value, path: path, at: at == "top level" ? name : "\(at).\(name)")
            }
            return object
        case .alias:
            throw SettingsError(SettingNames.backendsFile, "\(path): \(at): YAML aliases are not supported here; write the value out")
        }
    }

    /// Reads and parses the file at `path`.
    static func load(path: String, variable: (String) -> String?) throws -> BackendsFile {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SettingsError(SettingNames.backendsFile, "\(path): cannot be read; mount the backends file there or fix the path")
        }
        return try parse(path: path, data: data, variable: variable)
    }

    private static func nonEmptyString(_ value: Any?) -> String? {
        guard let text = value as? String else { return nil }
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return trimmed.isEmpty ? nil : trimmed
    }

    /// A JSON number that is a whole number in `range` (absent: 1).
    private static func wholeNumber(_ value: Any?, in range: ClosedRange<Int>, error: () -> SettingsError) throws -> Int {
        guard let value else { return 1 }
        // (On Linux a JSON number is an NSNumber, which `is Bool` also matches: compare the type itself.)
        if type(of: value) == Bool.self || value is String { throw error() }
        let double: Double
        if let int = value as? Int {
            double = Double(int)
        } else if let number = value as? Double {
            double = number
        } else if let number = value as? NSNumber {
            double = number.doubleValue
        } else {
            throw error()
        }
        guard double.isFinite, double.rounded() == double, let whole = Int(exactly: double), range.contains(whole) else { throw error() }
        return whole
    }

    private static func oneLine(_ error: any Error) -> String {
        let text = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? "\(error)"
        return text.replacingOccurrences(of: "\n", with: " ")
    }
}
