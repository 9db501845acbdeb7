import Foundation
import ParleyChat
import Testing

@testable import ParleyDocuments

@Suite("SQLite FTS5 index")
struct SQLitePassageIndexTests {
    static func indexed<T>(_ files: [String: String], _ body: (SQLitePassageIndex) async throws -> T) async throws -> T {
        try await withMemoryIndex { index in
            try await fill(index, files)
            return try await body(index)
        }
    }

    static func fill(_ index: SQLitePassageIndex, _ files: [String: String]) async throws {
        for (path, source) in files.sorted(by: { $0.key < $1.key }) {
            let passages = PassageSplitter().split(MarkdownText.parse(source), path: path)
            try await index.replace(file: IndexedFile(path: path, size: Int64(source.utf8.count), modificationTime: 1, contentHash: path), passages: passages)
        }
    }

    static let corpus = [
        "identity.md": """
        # Identity

        ## AADSTS700016

        The application was not found in the tenant. Check AZURE_CLIENT_ID and the tenant.

        ## Workload identity

        The pod's service account token is exchanged for an Entra token. Federated credential.
        """,
        "deploy.md": """
        # Deploying to AKS

        Run make provision to create the cluster. The tenant must allow it.

        ## Replicas

        Several replicas share sessions through PostgreSQL.
        """,
        "notes.md": """
        # Notes

        Tenant tenant tenant: a page that only repeats tenant says little about an application not found.
        """,
    ]

    @Test func bm25RanksRareWordsAndHeadingsFirst() async throws {
        try await Self.indexed(Self.corpus) { index in
            let results = try await index.keywordSearch("What does AADSTS700016 application not found mean?", limit: 5)
            #expect(results.first?.headings == ["Identity", "AADSTS700016"])
            let replicas = try await index.keywordSearch("how do replicas share sessions", limit: 5)
            #expect(replicas.first?.headings == ["Deploying to AKS", "Replicas"])
            // Porter stemming: "deploying" in the title matches "deploy".
            let deploy = try await index.keywordSearch("deploy", limit: 5)
            #expect(deploy.first?.path == "deploy.md")
            #expect(try await index.passageCount() == 5)
        }
    }

    @Test func headingMatchesOutrankBodyMatchesAndMoreWordsOutrankFewer() async throws {
        let files = [
            "heading.md": "# Tokens\n\nThey are refreshed early.\n",
            "body.md": "# Other\n\nTokens and tokens again, in a longer paragraph of words that say little else at all.\n",
            "both.md": "# Cache\n\nThe token cache refreshes tokens before expiry.\n",
            "none.md": "# Misc\n\nNothing relevant here.\n",
        ]
        try await Self.indexed(files) { (index: SQLitePassageIndex) async throws in
            #expect(try await index.keywordSearch("tokens", limit: 10).map(\.path) == ["heading.md", "both.md", "body.md"])
            // Two query words matched beat one matched twice.
            #expect(try await index.keywordSearch("cache tokens", limit: 10).first?.path == "both.md")
        }
    }

    @Test func queryInjectionIsNeutralized() async throws {
        try await Self.indexed(Self.corpus) { index in
            for hostile in [
                "\"unbalanced quote", "NEAR(tenant application, 2)", "tenant*", "(tenant OR", "title:Identity",
                "text : tenant AND NOT", "\"\" OR \"\"", "-tenant", "^tenant", "{title text}: tenant", "tenant'); DROP TABLE passages; --",
            ] {
                // No FTS5 syntax error: every hostile question is searched as plain words.
                _ = try await index.keywordSearch(hostile, limit: 5)
            }
            #expect(try await index.passageCount() == 5)
            #expect(try await index.keywordSearch("the of and ?!", limit: 5).isEmpty)
            #expect(SearchTerms.fts5Query("NEAR(\"tenant\" title:x*)") == "\"tenant\" OR \"title\" OR \"x\"")
            #expect(SearchTerms.fts5Query("What is it?") == nil)
        }
    }

    @Test func replaceSwapsOneFileAndRemoveForgetsIt() async throws {
        try await Self.indexed(Self.corpus) { index in
            let passages = PassageSplitter().split(MarkdownText.parse("# Notes\n\nNothing about that now."), path: "notes.md")
            try await index.replace(file: IndexedFile(path: "notes.md", size: 1, modificationTime: 2, contentHash: "new"), passages: passages)
            #expect(try await index.keywordSearch("repeats", limit: 5).isEmpty)
            #expect(try await index.keywordSearch("nothing", limit: 5).map(\.path) == ["notes.md"])
            #expect(try await index.files().first { $0.path == "notes.md" }?.contentHash == "new")
            try await index.remove(path: "notes.md")
            #expect(try await index.files().map(\.path) == ["deploy.md", "identity.md"])
            #expect(try await index.passage(id: passages[0].passage.id) == nil)
        }
    }

    @Test func embeddingsAreCachedByContentHashAcrossReopening() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let path = folder.url.appendingPathComponent("index.sqlite").path
        let passages = PassageSplitter().split(MarkdownText.parse("# A\n\none\n\n# B\n\ntwo"), path: "a.md")
        do {
            let index = try await SQLitePassageIndex.open(path: path)
            try await index.replace(file: IndexedFile(path: "a.md", size: 1, modificationTime: 1, contentHash: "h"), passages: passages)
            #expect(try await index.passagesWithoutEmbedding(limit: 10).count == 2)
            try await index.storeEmbeddings([passages[0].contentHash: [1, -0.5, 0.25]])
            try await index.close()
        }
        let reopened = try await SQLitePassageIndex.open(path: path)
        #expect(try await reopened.embeddings(for: [passages[0].contentHash, "missing"]) == [passages[0].contentHash: [1, -0.5, 0.25]])
        #expect(try await reopened.passagesWithoutEmbedding(limit: 10).map(\.passage.id) == [passages[1].passage.id])
        #expect(try await reopened.passageVectors() == [PassageVector(passageID: passages[0].passage.id, vector: [1, -0.5, 0.25])])
        #expect(try await reopened.passage(id: passages[1].passage.id) == passages[1].passage)
        try await reopened.close()
    }
}
