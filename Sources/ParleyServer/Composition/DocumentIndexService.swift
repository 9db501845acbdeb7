import Foundation
import Logging
import ParleyChat
import ParleyDocuments
import ParleyOutbound
import ServiceLifecycle
import Synchronization

/// The team's documents at run time (issue 14): opens the index when the service starts, indexes
/// PARLEY_DOCS_DIR in the background, re-checks it every PARLEY_DOCS_REFRESH, and answers the chat
/// layer's searches. It is the `PassageRetriever` the chat service and `/documents/{id}` use, so they
/// need not wait for the index to be opened: until the first index is complete a search throws
/// `stillIndexing`, which the chat layer logs before answering without documents.
final class DocumentIndexService: Service, PassageRetriever {
    enum Failure: Error, CustomStringConvertible {
        case stillIndexing
        case storeUnavailable(String)

        var description: String {
            switch self {
            case .stillIndexing: "the documents are still being indexed (PARLEY_DOCS_DIR)"
            case .storeUnavailable(let reason): reason
            }
        }
    }

    /// How long /readyz waits for the first index before it reports ready anyway: long enough for a
    /// team's folder (the 10k-passage benchmark indexes in seconds), short enough that a huge share
    /// never keeps a pod out of its Service.
    static let readinessGrace: Duration = .seconds(30)

    private struct Opened: Sendable {
        let library: DocumentLibrary
        let retriever: DocumentRetriever
        let close: @Sendable () async -> Void
    }

    private struct State: Sendable {
        var opened: Opened?
        var status: DocumentIndexStatus?
        var indexed = false
    }

    let settings: DocumentSettings
    private let openIndex: @Sendable () async throws -> (index: any PassageIndex, close: @Sendable () async -> Void)
    private let embedder: DocumentLibrary.Embedder?
    private let metrics: ParleyMetrics
    private let logger: Logger
    private let now: @Sendable () -> Date
    private let started: Date
    private let state = Mutex(State())

    init(
        settings: DocumentSettings,
        openIndex: @escaping @Sendable () async throws -> (index: any PassageIndex, close: @Sendable () async -> Void),
        embedder: DocumentLibrary.Embedder?, metrics: ParleyMetrics, logger: Logger, now: @escaping @Sendable () -> Date
    ) {
        self.settings = settings
        self.openIndex = openIndex
        self.embedder = embedder
        self.metrics = metrics
        self.logger = logger
        self.now = now
        started = now()
    }

    // MARK: PassageRetriever

    func search(_ query: String, limit: Int) async throws -> [DocumentPassage] {
        guard let retriever = state.withLock({ $0.indexed ? $0.opened?.retriever : nil }) else { throw Failure.stillIndexing }
        return try await retriever.search(query, limit: limit)
    }

    func passage(id: String) async throws -> DocumentPassage? {
        guard let retriever = state.withLock({ $0.opened?.retriever }) else { return nil }
        return try await retriever.passage(id: id)
    }

    // MARK: Service

    func run() async throws {
        let opened = await cancelWhenGracefulShutdown { await self.openRetrying() }
        guard let opened else { return }  // shut down before the index could be opened
        state.withLock { $0.opened = opened }
        await cancelWhenGracefulShutdown {
            await self.refreshForever(opened.library)
        }
        // Without PARLEY_DOCS_REFRESH the loop ends after the first index; the index stays open (and
        // this service running, so the group does not stop) until shutdown.
        try? await gracefulShutdown()
        await opened.close()
    }

    /// How long to wait before trying again to open an index that could not be opened (PostgreSQL
    /// down at start, say): short enough that documents come back soon after the database does.
    static let reopenDelay: Duration = .seconds(10)

    /// Opens the index, trying again every `reopenDelay` until it opens or the service is cancelled.
    /// Until then answers go on without documents and /readyz shows `documents.state` "failed".
    private func openRetrying() async -> Opened? {
        while !Task.isCancelled {
            do {
                // Opened in a task of its own, which the service's cancellation (a failed start, say)
                // does not reach: an SQLite connection cancelled half-way through opening is dropped
                // unclosed, which sqlite-nio 1.13 asserts against (a crash in debug builds).
                let opened = try await Task { try await self.open() }.value
                if Task.isCancelled {
                    await opened.close()
                    return nil
                }
                return opened
            } catch {
                // A broken index is not a failed start: answers go on without documents, and /readyz says why.
                logger.error(
                    "documents: the index could not be opened; answering without documents, trying again in \(Self.reopenDelay)",
                    metadata: ["error": "\(error)"])
                state.withLock { $0.status = DocumentIndexStatus(lastError: "\(error)") }
                do { try await TimerSleep.sleep(for: Self.reopenDelay) } catch { return nil }
            }
        }
        return nil
    }

    private func open() async throws -> Opened {
        let (index, close) = try await openIndex()
        let library = DocumentLibrary(
            root: URL(fileURLWithPath: settings.directory), index: index, embedder: embedder, logger: logger, now: now)
        let retriever: DocumentRetriever
        if let embedder {
            retriever = DocumentRetriever(
                index: index, mode: .fused, vectors: VectorSearch(index: index, embedder: embedder, library: library))
        } else {
            retriever = DocumentRetriever(index: index, mode: .keyword)
        }
        return Opened(library: library, retriever: retriever, close: close)
    }

    /// The first index, its summary line, then a refresh every interval (only changed files are read).
    private func refreshForever(_ library: DocumentLibrary) async {
        let clock = ContinuousClock()
        let start = clock.now
        await refresh(library)
        let status = state.withLock { state -> DocumentIndexStatus? in
            state.indexed = true
            return state.status
        }
        if let status {
            logger.info(
                "documents indexed",
                metadata: [
                    "folder": "\(settings.directory)", "files": "\(status.files)", "passages": "\(status.passages)",
                    "skipped": "\(status.skippedFiles.count)", "store": "\(settings.store.rawValue)",
                    "retrieval": "\(embedder == nil ? "keyword" : "fused")",
                    "took": "\(clock.now - start)",
                ])
        }
        guard let interval = settings.refreshInterval else { return }
        while !Task.isCancelled {
            do { try await TimerSleep.sleep(for: interval) } catch { return }
            await refresh(library)
        }
    }

    private func refresh(_ library: DocumentLibrary) async {
        do {
            let status = try await library.refresh()
            state.withLock { $0.status = status }
            metrics.documents(files: status.files, passages: status.passages, skipped: status.skippedFiles.count)
        } catch {
            logger.error("documents: refresh failed; the previous index stays searchable", metadata: ["error": "\(error)"])
            state.withLock { $0.status?.lastError = "\(error)" }
        }
    }

    // MARK: Status

    /// `/readyz`'s documents object.
    func detail() -> StatusController.DocumentsDetail {
        let (status, indexed) = state.withLock { ($0.status, $0.indexed) }
        let phase = !indexed ? (status?.lastError != nil ? "failed" : "indexing") : (status?.lastError == nil ? "ok" : "failed")
        return StatusController.DocumentsDetail(
            state: phase, files: status?.files ?? 0, passages: status?.passages ?? 0, skipped: status?.skippedFiles.count ?? 0)
    }

    /// For /readyz: not ready while the first index is being built, for at most `readinessGrace`.
    func readiness() -> String? {
        let indexed = state.withLock { $0.indexed || ($0.opened == nil && $0.status?.lastError != nil) }
        if indexed || now().timeIntervalSince(started) >= Double(Self.readinessGrace.components.seconds) { return nil }
        return "the documents of PARLEY_DOCS_DIR are still being indexed"
    }
}
