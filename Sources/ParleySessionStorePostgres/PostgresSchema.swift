import Logging
import PostgresNIO

/// The store's tables, created or migrated at start. Several replicas may start at once: the whole
/// migration runs in one transaction under a transaction-level advisory lock, so they take turns and
/// each later one finds the work done (`CREATE ... IF NOT EXISTS` alone races on the catalog).
enum PostgresSchema {
    /// An arbitrary constant that names Parley's migration lock ("parl" in ASCII). The lock's second
    /// key is the schema being migrated (`hashtext(current_schema())`): replicas sharing a schema take
    /// turns, while stores in different schemas (several Parleys in one database, the test suites)
    /// do not queue behind each other's migrations.
    static let migrationLockClass: Int32 = 0x7061_726c
    static let lockMigration: PostgresQuery = "SELECT pg_advisory_xact_lock(\(migrationLockClass), hashtext(current_schema()))"
    static let version = 2

    /// One round trip: the lock, every statement and the version row in one `DO` block, which runs
    /// as one statement in its own transaction (the lock is held to its end). Sent one statement at
    /// a time, the migration was fifteen round trips under the lock, and a busy process (the test
    /// suites, 500 tests on 2 cores) kept the lock ~1.2 s per store while the others queued past
    /// their 5 s operation timeout (measured 2026-11-30).
    static func migrate(_ client: PostgresClient, logger: Logger) async throws {
        try await client.query(PostgresQuery(unsafeSQL: migrationBlock), logger: logger)
    }

    static let migrationBlock: String = {
        var body = ["PERFORM pg_advisory_xact_lock(\(migrationLockClass), hashtext(current_schema()))"]
        body += statements
        body.append("INSERT INTO parley_schema (version) SELECT \(version) WHERE NOT EXISTS (SELECT 1 FROM parley_schema WHERE version = \(version))")
        return "DO $parley_migration$ BEGIN\n" + body.map { $0 + ";" }.joined(separator: "\n") + "\nEND $parley_migration$"
    }()

    /// Version 1. One row per session; the turns are a JSON array, rewritten on each answer
    /// (at most PARLEY_MAX_TURNS of them). `touch` orders use across replicas without trusting
    /// their clocks (LRU); `last_used` decides idle expiry; `lease`/`lease_until` mark a question in
    /// flight and expire by themselves if the replica holding them dies.
    static let statements = [
        "CREATE TABLE IF NOT EXISTS parley_schema (version integer PRIMARY KEY)",
        "CREATE SEQUENCE IF NOT EXISTS parley_session_touch",
        """
        CREATE TABLE IF NOT EXISTS parley_sessions (
            id text PRIMARY KEY,
            turns jsonb NOT NULL DEFAULT '[]'::jsonb,
            last_used timestamptz NOT NULL,
            touch bigint NOT NULL DEFAULT nextval('parley_session_touch'),
            lease uuid,
            lease_until timestamptz
        )
        """,
        "CREATE INDEX IF NOT EXISTS parley_sessions_last_used ON parley_sessions (last_used)",
        "CREATE INDEX IF NOT EXISTS parley_sessions_touch ON parley_sessions (touch)",
        // Issue 13: named random values every replica shares (the cookie key), base64 text.
        // Created on every start (IF NOT EXISTS), so a version-1 database gains it without a bump.
        "CREATE TABLE IF NOT EXISTS parley_shared_secrets (name text PRIMARY KEY, value text NOT NULL)",
        // Version 2 (issue 13): sessions belong to their owner (the user's object id; NULL when
        // anonymous), with a title and a creation time for the conversation list; the limits'
        // counters, one row per key and window (questions) or per key and UTC day (tokens),
        // incremented by upserts so replicas never lose a count.
        "ALTER TABLE parley_sessions ADD COLUMN IF NOT EXISTS owner text",
        "ALTER TABLE parley_sessions ADD COLUMN IF NOT EXISTS title text NOT NULL DEFAULT ''",
        "ALTER TABLE parley_sessions ADD COLUMN IF NOT EXISTS created_at timestamptz",
        "CREATE INDEX IF NOT EXISTS parley_sessions_owner ON parley_sessions (owner, last_used DESC) WHERE owner IS NOT NULL",
        """
        CREATE TABLE IF NOT EXISTS parley_question_windows (
            key text NOT NULL,
            window_start timestamptz NOT NULL,
            questions integer NOT NULL,
            PRIMARY KEY (key, window_start)
        )
        """,
        """
        CREATE TABLE IF NOT EXISTS parley_token_days (
            key text NOT NULL,
            day_start timestamptz NOT NULL,
            tokens bigint NOT NULL,
            PRIMARY KEY (key, day_start)
        )
        """,
    ]
}
