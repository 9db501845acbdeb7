/// The signed-in person behind a request (issue 13): set by the sign-in middleware from the
/// session cookie or a bearer token, nil with PARLEY_AUTH=none or for anonymous routes.
/// Conversations and limits key on `oid` (the Entra object id, stable across devices).
struct AuthenticatedUser: Sendable, Equatable {
    var oid: String
    var name: String

    init(oid: String, name: String) {
        self.oid = oid
        self.name = name
    }
}
