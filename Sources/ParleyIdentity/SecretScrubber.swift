/// Removes secrets from text that came from elsewhere (CLI stderr, response bodies) before it
/// goes into an error or a log line. azure-identity does the same with `_scrub_secrets` and its
/// CLI output sanitizer (identity.md §7).
enum SecretScrubber {
    static let placeholder = "<redacted>"

    /// Replaces every given secret, anything shaped like a JWT, and the values of JSON fields
    /// that carry tokens.
    static func scrub(_ text: String, secrets: [String] = []) -> String {
        var result = text
        for secret in secrets where secret.count >= 4 {
            result = result.replacingOccurrences(of: secret, with: placeholder)
        }
        result.replace(/eyJ[A-Za-z0-9_\-]*\.[A-Za-z0-9_\-]*\.[A-Za-z0-9_\-]*/, with: placeholder)
        result.replace(/"(access_token|accessToken|token|refresh_token|client_secret|client_assertion)"\s*:\s*"[^"]*"/) { match in
            "\"\(match.output.1)\": \"\(placeholder)\""
        }
        return result
    }
}

import Foundation
