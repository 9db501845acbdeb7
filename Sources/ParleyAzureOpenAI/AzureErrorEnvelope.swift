import Foundation

/// An Azure OpenAI error body, in any of the three shapes seen on the wire (reference, 2026):
/// 1. service (OpenAI-style): `{"error":{"message","type","param","code","status"?,"innererror"?}}`;
/// 2. gateway (APIM): `{"error":{"code":"401"|"DeploymentNotFound"|"PermissionDenied"|…,"message"}}`
///    (`code` is a string, sometimes a number-like string) — also seen without the wrapper;
/// 3. token validation / gateway 500: `{"statusCode":401,"message":"…"}`.
/// Decoding is lenient: every field is optional and a `code` may be a string or a number.
struct AzureErrorEnvelope: Sendable, Equatable {
    var code: String?
    var message: String?
    var type: String?
    var param: String?
    /// `statusCode` of the bare (token-validation) shape; it marks family 3.
    var bareStatusCode: Int?
    var innerCode: String?
    /// Content-filter categories reported with `filtered: true` in `innererror.content_filter_result`
    /// (the wire name) or `inner_error.content_filter_results` (the 2024-10-21 spec's name).
    var filteredCategories: [String]

    init(code: String? = nil, message: String? = nil, type: String? = nil, param: String? = nil,
         bareStatusCode: Int? = nil, innerCode: String? = nil, filteredCategories: [String] = []) {
        self.code = code
        self.message = message
        self.type = type
        self.param = param
        self.bareStatusCode = bareStatusCode
        self.innerCode = innerCode
        self.filteredCategories = filteredCategories
    }

    /// Parses a body; nil when it is not JSON or carries none of the known fields.
    static func parse(_ data: Data) -> AzureErrorEnvelope? {
        guard let top = try? JSONDecoder().decode(Wire.self, from: data) else { return nil }
        return from(top)
    }

    static func from(_ top: Wire) -> AzureErrorEnvelope? {
        if let body = top.error {
            return from(body)
        }
        if top.statusCode != nil || top.code != nil || top.message != nil {
            return AzureErrorEnvelope(code: top.code?.text, message: top.message, bareStatusCode: top.statusCode)
        }
        return nil
    }

    static func from(_ body: Wire.Body) -> AzureErrorEnvelope {
        let inner = body.innererror ?? body.inner_error
        let results = inner?.content_filter_result ?? inner?.content_filter_results ?? [:]
        let filtered = results.filter { $0.value.filtered == true }.map(\.key).sorted()
        return AzureErrorEnvelope(
            code: body.code?.text, message: body.message, type: body.type, param: body.param,
            innerCode: inner?.code, filteredCategories: filtered)
    }

    /// The JSON shapes, every member optional.
    struct Wire: Decodable, Sendable {
        var error: Body?
        var statusCode: Int?
        var code: FlexibleCode?
        var message: String?

        struct Body: Decodable, Sendable {
            var message: String?
            var type: String?
            var param: String?
            var code: FlexibleCode?
            var innererror: Inner?
            var inner_error: Inner?
        }

        struct Inner: Decodable, Sendable {
            var code: String?
            var content_filter_result: [String: CategoryResult]?
            var content_filter_results: [String: CategoryResult]?
        }

        struct CategoryResult: Decodable, Sendable {
            var filtered: Bool?
            // Other members (severity, detected, citation, error) vary by category; ignored.
            init(from decoder: any Decoder) throws {
                let container = try? decoder.container(keyedBy: Keys.self)
                filtered = try? container?.decodeIfPresent(Bool.self, forKey: .filtered)
            }
            enum Keys: String, CodingKey { case filtered }
        }
    }

    /// `code` is `"401"`, `"content_filter"`, `401` or `null` depending on who answered.
    struct FlexibleCode: Decodable, Sendable {
        var text: String?
        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let string = try? container.decode(String.self) {
                text = string
            } else if let number = try? container.decode(Int.self) {
                text = String(number)
            } else {
                text = nil
            }
        }
    }
}
