/// Scope handling shared by the credentials.
enum Scopes {
    /// The one scope of a request; v1 endpoints (IMDS, App Service, `az --resource`) take exactly
    /// one (azure-identity `_scopes_to_resource`, 1.27.0, 2026).
    static func single(_ scopes: [String], credential: String) throws -> String {
        guard scopes.count == 1, let scope = scopes.first, !scope.isEmpty else {
            throw AuthenticationFailedError(credential: credential,
                reason: "exactly one scope is supported per request, got \(scopes.count).")
        }
        return scope
    }

    /// "https://cognitiveservices.azure.com/.default" → "https://cognitiveservices.azure.com".
    static func resource(of scope: String) -> String {
        scope.hasSuffix("/.default") ? String(scope.dropLast("/.default".count)) : scope
    }

    /// Characters allowed in a scope handed to a subprocess (azure-identity `validate_scope`,
    /// 1.27.0, 2026): an injection defence on top of argv without a shell.
    static func isSafeForCommandLine(scope: String) -> Bool {
        !scope.isEmpty && scope.wholeMatch(of: /[A-Za-z0-9_.:\/\-]+/) != nil && !scope.hasPrefix("-")
    }

    /// Tenant IDs are GUIDs or domain names (azure-identity `validate_tenant_id`).
    static func isSafeForCommandLine(tenant: String) -> Bool {
        !tenant.isEmpty && tenant.wholeMatch(of: /[A-Za-z0-9.\-]+/) != nil && !tenant.hasPrefix("-")
    }
}
