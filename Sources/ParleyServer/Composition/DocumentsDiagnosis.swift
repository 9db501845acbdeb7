import Foundation
import Logging
import ParleyDocuments

/// What `parley doctor` says about PARLEY_DOCS_DIR: the folder is read and indexed into a
/// throwaway in-memory index exactly as `parley serve` would (the server's own index is never
/// touched), and the counts and skipped files are reported.
public enum DocumentsDiagnosis {
    public struct Result: Sendable {
        /// false when the folder cannot be indexed at all; skipped files alone are a warning.
        public var ok: Bool
        public var summary: String
        /// `files`, `passages`, `skipped`, `store`, `retrieval` lines.
        public var facts: [(String, String)]
        /// One line per skipped file, with the reason.
        public var notes: [String]
    }

    /// nil without PARLEY_DOCS_DIR.
    public static func check(settings: ParleySettings, logger: Logger) async -> Result? {
        guard let documents = settings.documents else { return nil }
        let facts: [(String, String)] = [
            ("folder", documents.directory),
            ("store", documents.store == .sqlite ? "sqlite (\(documents.sqlitePath ?? "in memory"))" : "postgres (\(documents.language))"),
            ("retrieval", documents.embeddingDeployment.map { "fused with embeddings of \($0)" } ?? "keyword (BM25)"),
        ]
        do {
            let index = try await SQLitePassageIndex.open(path: nil, logger: logger)
            let library = DocumentLibrary(root: URL(fileURLWithPath: documents.directory), index: index, logger: logger)
            let status: DocumentIndexStatus
            do {
                status = try await library.refresh()
            } catch {
                try? await index.close()
                throw error
            }
            try? await index.close()
            let counts: [(String, String)] = [
                ("files", "\(status.files)"), ("passages", "\(status.passages)"), ("skipped", "\(status.skippedFiles.count)"),
            ]
            let notes = status.skippedFiles.map { "skipped \($0.path): \($0.reason.rawValue)" }
            if let problem = status.lastError {
                return Result(ok: false, summary: problem, facts: facts + counts, notes: notes)
            }
            return Result(
                ok: true,
                summary: "\(status.files) file(s), \(status.passages) passage(s) indexed"
                    + (notes.isEmpty ? "." : "; \(notes.count) file(s) skipped."),
                facts: facts + counts, notes: notes)
        } catch {
            return Result(ok: false, summary: "the documents could not be indexed: \(error)", facts: facts, notes: [])
        }
    }
}
