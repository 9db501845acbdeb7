import Foundation
import Logging

/// Walks PARLEY_DOCS_DIR: every .md/.markdown/.txt/.html/.htm file below it, with size and
/// modification time (nothing is read here). Hidden entries are skipped, which also skips the
/// `..data` and `..2025_…` folders behind a Kubernetes ConfigMap's file links (the links themselves,
/// pointing inside the folder, are followed). A link leaving the folder is never followed.
public struct FolderScanner: Sendable {
    public struct Entry: Sendable, Equatable {
        /// Relative to the root, "/" separators.
        public var path: String
        /// The resolved file (links followed, still inside the root).
        public var url: URL
        public var size: Int64
        public var modificationTime: Double
    }

    public static let extensions: Set<String> = ["md", "markdown", "txt", "html", "htm"]

    public var root: URL
    /// Larger files are skipped: documents, not data dumps (2 MiB is a ~500-page text).
    public var maximumFileSize: Int64

    public init(root: URL, maximumFileSize: Int64 = 2 * 1024 * 1024) {
        self.root = root
        self.maximumFileSize = maximumFileSize
    }

    public func scan() throws -> (entries: [Entry], skipped: [SkippedFile]) {
        let realRoot = root.resolvingSymlinksInPath().standardizedFileURL
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: realRoot.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw DocumentLibraryError.folderMissing(root.path)
        }
        var entries: [Entry] = []
        var skipped: [SkippedFile] = []
        var visited: Set<String> = [realRoot.path]
        walk(directory: realRoot, relative: "", realRoot: realRoot, visited: &visited, entries: &entries, skipped: &skipped)
        return (entries.sorted { $0.path < $1.path }, skipped.sorted { $0.path < $1.path })
    }

    private func walk(directory: URL, relative: String, realRoot: URL, visited: inout Set<String>, entries: inout [Entry], skipped: inout [SkippedFile]) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path) else {
            if !relative.isEmpty { skipped.append(SkippedFile(path: relative, reason: .unreadable)) }
            return
        }
        for name in names.sorted() where !name.hasPrefix(".") {
            let path = relative.isEmpty ? name : relative + "/" + name
            let resolved = directory.appendingPathComponent(name).resolvingSymlinksInPath().standardizedFileURL
            guard Self.isInside(resolved, realRoot) else {
                if Self.extensions.contains((name as NSString).pathExtension.lowercased()) || isDirectoryAt(resolved) {
                    skipped.append(SkippedFile(path: path, reason: .outsideFolder))
                }
                continue
            }
            if isDirectoryAt(resolved) {
                // A link back up the tree would loop; each real folder is walked once.
                guard visited.insert(resolved.path).inserted else { continue }
                walk(directory: resolved, relative: path, realRoot: realRoot, visited: &visited, entries: &entries, skipped: &skipped)
                continue
            }
            guard Self.extensions.contains((name as NSString).pathExtension.lowercased()) else { continue }
            guard let attributes = try? FileManager.default.attributesOfItem(atPath: resolved.path) else {
                skipped.append(SkippedFile(path: path, reason: .unreadable))
                continue
            }
            let size = (attributes[.size] as? NSNumber)?.int64Value ?? 0
            guard size <= maximumFileSize else {
                skipped.append(SkippedFile(path: path, reason: .tooLarge))
                continue
            }
            let modified = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
            entries.append(Entry(path: path, url: resolved, size: size, modificationTime: modified))
        }
    }

    private func isDirectoryAt(_ url: URL) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) && isDirectory.boolValue
    }

    static func isInside(_ url: URL, _ root: URL) -> Bool {
        let rootPath = root.path.hasSuffix("/") ? root.path : root.path + "/"
        return url.path.hasPrefix(rootPath)
    }
}
