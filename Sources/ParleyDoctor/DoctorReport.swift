import Foundation

/// What `parley doctor` found, step by step: for people (`render()`) and for machines (Codable,
/// snake_case JSON through `jsonData()`). Holds no token, assertion, key or secret: only
/// settings that are not secret, identity variables that are not secret, and decoded claims.
public struct DoctorReport: Sendable, Codable, Equatable {
    /// `azure` or `offline`.
    public var mode: String
    /// `azure_ad` (Microsoft Entra), `azure` (API key), or nil in offline mode.
    public var authentication: String?
    /// The credential that produced the access token, if one did.
    public var selectedCredential: String?
    /// The object ID (`oid`) of the principal Parley acts as: the one a role assignment names.
    public var principalObjectID: String?
    public var steps: [DoctorStep]

    public init(mode: String, authentication: String?, selectedCredential: String? = nil,
                principalObjectID: String? = nil, steps: [DoctorStep]) {
        self.mode = mode
        self.authentication = authentication
        self.selectedCredential = selectedCredential
        self.principalObjectID = principalObjectID
        self.steps = steps
    }

    /// True when no step failed (warnings and skipped steps do not count against it).
    public var ok: Bool { !steps.contains { $0.status == .failed } }

    /// The process exit code: 0 when everything works, 1 otherwise.
    public var exitCode: Int32 { ok ? 0 : 1 }

    /// The step with this ID, if the report has it.
    public func step(_ id: DoctorStep.ID) -> DoctorStep? {
        steps.first { $0.id == id }
    }

    /// The report as pretty-printed JSON with snake_case keys, plus the derived `ok` and `exit_code`.
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }

    /// `jsonData()` as text, for standard output.
    public func jsonText() throws -> String {
        String(decoding: try jsonData(), as: UTF8.self)
    }

    /// Reads what `jsonData()` wrote.
    public static func decode(json: Data) throws -> DoctorReport {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(DoctorReport.self, from: json)
    }

    // `principalObjectId` so that snake_case conversion gives `principal_object_id` both ways.
    enum CodingKeys: String, CodingKey {
        case ok, exitCode, mode, authentication, selectedCredential, principalObjectID = "principalObjectId", steps
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            mode: try container.decode(String.self, forKey: .mode),
            authentication: try container.decodeIfPresent(String.self, forKey: .authentication),
            selectedCredential: try container.decodeIfPresent(String.self, forKey: .selectedCredential),
            principalObjectID: try container.decodeIfPresent(String.self, forKey: .principalObjectID),
            steps: try container.decode([DoctorStep].self, forKey: .steps))
    }

    /// Encodes the derived `ok` and `exit_code` too, so machines need not recompute them.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(ok, forKey: .ok)
        try container.encode(exitCode, forKey: .exitCode)
        try container.encode(mode, forKey: .mode)
        try container.encode(authentication, forKey: .authentication)
        try container.encode(selectedCredential, forKey: .selectedCredential)
        try container.encode(principalObjectID, forKey: .principalObjectID)
        try container.encode(steps, forKey: .steps)
    }
}

/// One check of the doctor, with its verdict, the facts it looked at, notes, and what to do.
public struct DoctorStep: Sendable, Codable, Equatable {
    public enum ID: String, Sendable, Codable, CaseIterable {
        case configuration
        case identity
        case projectedToken = "projected_token"
        case accessToken = "access_token"
        case azureOpenAI = "azure_openai"
        /// Only with PARLEY_BACKENDS_FILE: every backend checked (issue 15).
        case backends
        case sessionStore = "session_store"
        /// Only with PARLEY_AUTH=entra: discovery, the app registration's credential, the redirect URI (issue 13).
        case signIn = "sign_in"
        /// Only with PARLEY_DOCS_DIR: the folder indexed as the server would (issue 14).
        case documents

        /// The steps every report has, in order; `backends` comes after `azureOpenAI` only with a backends file.
        public static let inEveryReport: [ID] = [.configuration, .identity, .projectedToken, .accessToken, .azureOpenAI, .sessionStore]
    }

    public enum Status: String, Sendable, Codable {
        /// ✔ works.
        case ok
        /// ⚠ works, but something looks wrong.
        case warning
        /// ✘ does not work: the report fails.
        case failed
        /// – not applicable or not attempted.
        case skipped
    }

    public var id: ID
    public var title: String
    public var status: Status
    /// One line saying what was found.
    public var summary: String
    /// What the step looked at, as `name: value` lines. Never a secret value.
    public var facts: [DoctorFact]
    /// Further lines: attempts, warnings, explanations.
    public var notes: [String]
    /// What to do, one action per line (empty when nothing is wrong).
    public var fixes: [String]
    /// The identity step only: every member of the credential chain and what became of it.
    public var chain: [DoctorChainMember]?

    public init(id: ID, title: String, status: Status, summary: String, facts: [DoctorFact] = [],
                notes: [String] = [], fixes: [String] = [], chain: [DoctorChainMember]? = nil) {
        self.id = id
        self.title = title
        self.status = status
        self.summary = summary
        self.facts = facts
        self.notes = notes
        self.fixes = fixes
        self.chain = chain
    }
}

/// One credential of the chain: how it is set up and how its attempt went.
public struct DoctorChainMember: Sendable, Codable, Equatable {
    public enum Outcome: String, Sendable, Codable {
        /// Produced the token.
        case succeeded
        /// Not set up here; the chain moved on.
        case unavailable
        /// Set up but failed; the chain stopped.
        case failed
        /// Not reached: an earlier member produced a token or stopped the chain.
        case notTried = "not_tried"
    }

    public var credential: String
    /// Its variables or executable are present (false for skipped members).
    public var configured: Bool
    /// What it uses, or why it is not configured. Never a secret.
    public var detail: String
    public var outcome: Outcome
    /// Why it was unavailable or failed; nil when it succeeded or was not tried.
    public var reason: String?

    public init(credential: String, configured: Bool, detail: String, outcome: Outcome, reason: String? = nil) {
        self.credential = credential
        self.configured = configured
        self.detail = detail
        self.outcome = outcome
        self.reason = reason
    }
}

/// A `name: value` line of a step.
public struct DoctorFact: Sendable, Codable, Equatable {
    public var name: String
    public var value: String

    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}
