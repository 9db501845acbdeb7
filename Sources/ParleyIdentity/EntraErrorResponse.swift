/// Microsoft Entra ID's OAuth error envelope (`entra-error-*.json`): kept whole so the ids a
/// support ticket needs (`trace_id`, `correlation_id`) survive to the person reading the error.
public struct EntraErrorResponse: Sendable, Equatable, Codable {
    public var error: String
    public var errorDescription: String?
    public var errorCodes: [Int]
    public var timestamp: String?
    public var traceID: String?
    public var correlationID: String?
    public var errorURI: String?

    enum CodingKeys: String, CodingKey {
        case error
        case errorDescription = "error_description"
        case errorCodes = "error_codes"
        case timestamp
        case traceID = "trace_id"
        case correlationID = "correlation_id"
        case errorURI = "error_uri"
    }

    public init(error: String, errorDescription: String? = nil, errorCodes: [Int] = [], timestamp: String? = nil,
                traceID: String? = nil, correlationID: String? = nil, errorURI: String? = nil) {
        self.error = error
        self.errorDescription = errorDescription
        self.errorCodes = errorCodes
        self.timestamp = timestamp
        self.traceID = traceID
        self.correlationID = correlationID
        self.errorURI = errorURI
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        error = try container.decode(String.self, forKey: .error)
        errorDescription = try container.decodeIfPresent(String.self, forKey: .errorDescription)
        errorCodes = try container.decodeIfPresent([Int].self, forKey: .errorCodes) ?? []
        timestamp = try container.decodeIfPresent(String.self, forKey: .timestamp)
        traceID = try container.decodeIfPresent(String.self, forKey: .traceID)
        correlationID = try container.decodeIfPresent(String.self, forKey: .correlationID)
        errorURI = try container.decodeIfPresent(String.self, forKey: .errorURI)
        if errorCodes.isEmpty, let description = errorDescription {
            errorCodes = Self.codes(in: description)
        }
    }

    /// Entra's description without the "Trace ID / Correlation ID / Timestamp" trailer (those
    /// are reported separately) and on one line.
    public var summary: String {
        guard var text = errorDescription else { return error }
        if let trailer = text.range(of: "Trace ID:") { text = String(text[..<trailer.lowerBound]) }
        let oneLine = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
        return oneLine.trimmingCharacters(in: .whitespaces)
    }

    /// "trace_id=…, correlation_id=…, timestamp=…" for whatever is present.
    public var identifiers: String {
        [("trace_id", traceID), ("correlation_id", correlationID), ("timestamp", timestamp)]
            .compactMap { name, value in value.map { "\(name)=\($0)" } }
            .joined(separator: ", ")
    }

    /// AADSTS codes named in a description, for envelopes without `error_codes`.
    static func codes(in text: String) -> [Int] {
        text.matches(of: /AADSTS(\d+)/).compactMap { Int($0.output.1) }
    }
}

import Foundation
