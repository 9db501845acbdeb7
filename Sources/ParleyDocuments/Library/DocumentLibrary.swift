import Foundation
import Logging

/// Keeps an index in step with PARLEY_DOCS_DIR. `refresh()` scans the folder, reads only files
/// whose size or modification time changed (and re-splits only when their bytes changed too),
/// forgets deleted files, then embeds passages that have no cached vector yet. One refresh runs
/// at a time (an actor), so the index has a single writer.
public actor DocumentLibrary {
    /// Turns texts into vectors (the Azure OpenAI embeddings client, or a deterministic fake).
    public typealias Embedder = @Sendable ([String]) async throws -> [[Float]]

    public let index: any PassageIndex
    let scanner: FolderScanner
    let splitter: PassageSplitter
    let embedder: Embedder?
    let embeddingBatchSize: Int
    let logger: Logger
    let now: @Sendable () -> Date

    public private(set) var status = DocumentIndexStatus()
    /// How many files refreshes have read from disk: what change detection saves.
    public private(set) var filesRead = 0
    /// Bumped whenever passages or vectors change, so cached vectors are reloaded.
    public private(set) var generation = 0
    private var loggedSkips: Set<String> = []
    /// Files read and skipped (binary, unreadable), by size and modification time: not read again
    /// until they change.
    private var skippedUnchanged: [String: (size: Int64, modificationTime: Double, reason: SkippedFile.Reason)] = [:]
    /// The refresh under way: a second caller (the periodic run and a manual refresh, say) waits for
    /// it instead of interleaving a second writer at the actor's await points.
    private var running: Task<DocumentIndexStatus, any Error>?

    public init(
        root: URL, index: any PassageIndex, embedder: Embedder? = nil, splitter: PassageSplitter = PassageSplitter(),
        maximumFileSize: Int64 = 2 * 1024 * 1024, embeddingBatchSize: Int = 16,
        logger: Logger = Logger(label: "parley.documents"), now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.index = index
        self.scanner = FolderScanner(root: root, maximumFileSize: maximumFileSize)
        self.splitter = splitter
        self.embedder = embedder
        self.embeddingBatchSize = max(1, embeddingBatchSize)
        self.logger = logger
        self.now = now
    }

    /// Brings the index up to date. Errors are kept in `status.lastError` and logged, and the
    /// previous index stays searchable; only a failure of the index itself is thrown.
    @discardableResult
    public func refresh() async throws -> DocumentIndexStatus {
        if let running { return try await running.value }
        let task = Task { try await self.performRefresh() }
        running = task
        defer { running = nil }
        return try await task.value
    }

    private func performRefresh() async throws -> DocumentIndexStatus {
        do {
            try await synchronize()
            status.lastError = nil
        } catch let error as DocumentLibraryError {
            status.lastError = error.description
            logger.warning("documents: \(error.description)")
        }
        if embedder != nil {
            do {
                try await embedBacklog()
            } catch {
                status.lastError = "embeddings: \(error)"
                logger.warning("documents: embedding passages failed, keyword search only until the next refresh: \(error)")
            }
        }
        status.files = try await index.files().count
        status.passages = try await index.passageCount()
        status.lastRefresh = now()
        return status
    }

    /// Runs `refresh()` every `interval` until the task is cancelled; `sleep` is injectable so a
    /// caller decides what waiting means (the composition root passes its timer).
    public func run(every interval: Duration, sleep: @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }) async {
        while !Task.isCancelled {
            do {
                try await refresh()
            } catch {
                status.lastError = "\(error)"
                logger.error("documents: refresh failed: \(error)")
            }
            do { try await sleep(interval) } catch { return }
        }
    }

    private func synchronize() async throws {
        let (entries, skipped) = try scanner.scan()
        var known = Dictionary(uniqueKeysWithValues: try await index.files().map { ($0.path, $0) })
        var skippedFiles = skipped
        for entry in entries {
            let previous = known.removeValue(forKey: entry.path)
            if let previous, previous.size == entry.size, previous.modificationTime == entry.modificationTime { continue }
            if let skip = skippedUnchanged[entry.path], skip.size == entry.size, skip.modificationTime == entry.modificationTime {
                skippedFiles.append(SkippedFile(path: entry.path, reason: skip.reason))
                continue
            }
            skippedUnchanged[entry.path] = nil
            filesRead += 1
            switch DocumentFileReader.read(entry.url) {
            case .skipped(let reason):
                skippedFiles.append(SkippedFile(path: entry.path, reason: reason))
                skippedUnchanged[entry.path] = (entry.size, entry.modificationTime, reason)
                if previous != nil { try await index.remove(path: entry.path); generation += 1 }
            case .text(let document, let bytes):
                let file = IndexedFile(path: entry.path, size: entry.size, modificationTime: entry.modificationTime, contentHash: Self.hash(bytes))
                // Touched but unchanged bytes split into the same passages and ids (vectors are keyed by
                // content hash, so none is lost); the replace records the new modification time.
                let passages = splitter.split(document, path: entry.path)
                try await index.replace(file: file, passages: passages)
                if previous?.contentHash != file.contentHash {
                    generation += 1
                    logger.debug("documents: indexed \(entry.path) (\(passages.count) passages)")
                }
            }
        }
        for path in known.keys {
            try await index.remove(path: path)
            generation += 1
            logger.info("documents: \(path) was removed from the folder")
        }
        for file in skippedFiles where loggedSkips.insert("\(file.path)|\(file.reason.rawValue)").inserted {
            // One line per skipped file, not one per refresh.
            logger.warning("documents: skipped \(file.path): \(file.reason.rawValue)")
        }
        status.skippedFiles = skippedFiles.sorted { $0.path < $1.path }
    }

    private func embedBacklog() async throws {
        guard let embedder else { return }
        while true {
            let pending = try await index.passagesWithoutEmbedding(limit: embeddingBatchSize)
            guard !pending.isEmpty else { return }
            let vectors = try await embedder(pending.map { PassageSplitter.embeddingInput($0.passage) })
            guard vectors.count == pending.count else {
                throw DocumentRetrievalError.embeddingCountMismatch(expected: pending.count, received: vectors.count)
            }
            var byHash: [String: [Float]] = [:]
            for (passage, vector) in zip(pending, vectors) { byHash[passage.contentHash] = vector }
            try await index.storeEmbeddings(byHash)
            generation += 1
        }
    }

    static func hash(_ data: Data) -> String {
        PassageSplitter.sha256Hex(data)
    }
}
