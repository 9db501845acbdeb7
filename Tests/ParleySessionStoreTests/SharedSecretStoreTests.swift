import Foundation
import ParleyChat
import ParleySessionStorePostgres
import Testing

/// The cookie key kept in the session store (issue 13): every replica gets the first one made.
extension PostgresStoreTests {
    @Test func replicasStartingTogetherAgreeOnASharedSecret() async throws {
        try await withSchema { settings, schema in
            let stores = (0..<6).map { _ in store(settings, PostgresSessionStoreOptions(searchPath: schema)) }
            let secrets = try await withThrowingTaskGroup(of: Data.self) { group in
                for store in stores {
                    group.addTask { try await store.sharedSecret(named: "cookie-key-v1") { Data(UUID().uuidString.utf8) } }
                }
                return try await group.reduce(into: [Data]()) { $0.append($1) }
            }
            #expect(Set(secrets).count == 1)
            // A later replica, and another name.
            let late = store(settings, PostgresSessionStoreOptions(searchPath: schema))
            #expect(try await late.sharedSecret(named: "cookie-key-v1") { Data("late".utf8) } == secrets[0])
            #expect(try await late.sharedSecret(named: "other") { Data("other".utf8) } == Data("other".utf8))
            for store in stores + [late] { await store.shutdown() }
        }
    }
}

@Suite struct InMemorySharedSecretTests {
    @Test func theFirstValueMadeIsKept() async throws {
        let store = InMemorySessionStore()
        let first = await store.sharedSecret(named: "k") { Data("one".utf8) }
        let second = await store.sharedSecret(named: "k") { Data("two".utf8) }
        #expect(first == Data("one".utf8) && second == first)
    }
}
