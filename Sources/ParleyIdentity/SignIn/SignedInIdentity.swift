/// The person a verified id token or access token names.
public struct SignedInIdentity: Sendable, Equatable {
    /// Entra object id: the same on every device, in every app of the tenant.
    public var oid: String
    public var name: String
    public var tenantID: String

    public init(oid: String, name: String, tenantID: String) {
        self.oid = oid
        self.name = name
        self.tenantID = tenantID
    }
}
