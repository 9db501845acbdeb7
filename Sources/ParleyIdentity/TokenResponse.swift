import Foundation
import ParleyOutbound

/// A successful token response from Entra, IMDS or App Service. IMDS and App Service send
/// numbers as strings (`imds-token-response.json`), Entra as numbers; both are accepted, as Go's
/// `createAccessToken` does.
struct TokenResponse: Decodable, Sendable {
    var accessToken: String
    var expiresIn: Double?
    var expiresOn: Double?
    var refreshIn: Double?

    enum CodingKeys: String, CodingKey {
        case accessToken = "access_token"
        case expiresIn = "expires_in"
        case expiresOn = "expires_on"
        case refreshIn = "refresh_in"
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        accessToken = try container.decode(String.self, forKey: .accessToken)
        expiresIn = try Self.number(container, .expiresIn)
        expiresOn = try Self.number(container, .expiresOn)
        refreshIn = try Self.number(container, .refreshIn)
    }

    /// A number or a numeric string; NaN, ±infinity ("inf" in a string) and non-numbers are
    /// refused here, before anything converts them (issue 9).
    static func number(_ container: KeyedDecodingContainer<CodingKeys>, _ key: CodingKeys) throws -> Double? {
        if let value = try? container.decodeIfPresent(Double.self, forKey: key) {
            guard value.isFinite else { throw NotANumber(field: key.stringValue) }
            return value
        }
        guard let text = try? container.decodeIfPresent(String.self, forKey: key) else {
            if container.contains(key), (try? container.decodeNil(forKey: key)) != true { throw NotANumber(field: key.stringValue) }
            return nil
        }
        guard let value = ExternalNumber.clamped(text, to: -Double.greatestFiniteMagnitude...Double.greatestFiniteMagnitude) else {
            throw NotANumber(field: key.stringValue)
        }
        return value
    }

    /// Applies azure-identity's `_process_response` rules (identity.md §1.5, 1.27.0, 2026):
    /// `expires_on` if present, else request time + `expires_in`; `refresh_in` if present, else
    /// half the lifetime for tokens of 2 h or more.
    /// Every number is clamped first (`TokenLifetime`): at most 48 h ahead, never before the
    /// epoch; a token that is already expired when it arrives is refused.
    func accessToken(requestTime: Date) throws -> AccessToken {
        let expires: Date
        if let expiresOn, let date = TokenLifetime.expiry(epochSeconds: expiresOn, requestTime: requestTime) {
            expires = date
        } else if let expiresIn, let seconds = TokenLifetime.seconds(expiresIn) {
            expires = requestTime.addingTimeInterval(seconds)
        } else {
            throw MissingExpiry()
        }
        guard expires > requestTime else { throw AlreadyExpired() }
        let lifetime = expires.timeIntervalSince(requestTime)
        let serverRefresh = refreshIn.flatMap(TokenLifetime.seconds).map { min($0, lifetime) }
        let refreshAfter = serverRefresh ?? (lifetime >= 7200 ? (lifetime / 2).rounded(.down) : nil)
        return AccessToken(token: accessToken, expiresOn: expires,
                           refreshOn: refreshAfter.map { requestTime.addingTimeInterval($0) })
    }

    struct MissingExpiry: Error {}
    struct AlreadyExpired: Error {}
    struct NotANumber: Error {
        let field: String
    }

    struct ParseFailure: Error, Sendable {
        let reason: String
    }

    /// Decodes a body or explains, without quoting tokens, why it is not a token response.
    static func parse(_ body: Data, requestTime: Date) -> Result<AccessToken, ParseFailure> {
        guard !body.isEmpty else { return .failure(ParseFailure(reason: "the response was empty")) }
        do {
            let response = try JSONDecoder().decode(TokenResponse.self, from: body)
            return .success(try response.accessToken(requestTime: requestTime))
        } catch is MissingExpiry {
            return .failure(ParseFailure(reason: "the response has neither expires_in nor expires_on"))
        } catch is AlreadyExpired {
            return .failure(ParseFailure(reason: "the token in the response has already expired (expires_in/expires_on in the past); check the clock of this machine"))
        } catch let error as NotANumber {
            return .failure(ParseFailure(reason: "its \(error.field) is not a finite number"))
        } catch {
            let text = String(decoding: body.prefix(300), as: UTF8.self)
            return .failure(ParseFailure(reason: "the response is not a token response: \(SecretScrubber.scrub(text))"))
        }
    }
}

/// Limits for the expiry numbers that Entra, IMDS, App Service and the CLIs send (issue 9): a
/// number from outside is checked to be finite and then clamped before it becomes a `Date`, so a
/// buggy or hostile `expires_in: 1e300` can neither trap the process nor pin a token in the
/// cache for centuries.
enum TokenLifetime {
    /// The longest lifetime honoured. Entra access tokens live at most 24 h (managed identities
    /// ≈ 24 h, app registrations 60–90 min; learn.microsoft.com configurable-token-lifetimes,
    /// checked 2026-11); twice that leaves room for clock skew and still bounds a hostile value.
    static let maximum: TimeInterval = 48 * 3600

    /// Epoch seconds as a date no later than `maximum` after `requestTime`; nil unless finite.
    /// A past date stays a past date (the caller reports it as already expired).
    static func expiry(epochSeconds: Double, requestTime: Date) -> Date? {
        let now = requestTime.timeIntervalSince1970
        guard let clamped = ExternalNumber.clamped(epochSeconds, to: 0...(now + maximum)) else { return nil }
        return Date(timeIntervalSince1970: clamped)
    }

    /// Seconds from `requestTime`, clamped to 0…`maximum`; nil unless finite.
    static func seconds(_ value: Double) -> TimeInterval? {
        ExternalNumber.clamped(value, to: 0...maximum)
    }
}
