import Foundation
@testable import ParleyDocuments

/// A fresh folder under the system temporary directory, removed by `remove()`.
struct TemporaryFolder {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("parley-docs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    @discardableResult
    func write(_ path: String, _ text: String) throws -> URL {
        try write(path, Data(text.utf8))
    }

    @discardableResult
    func write(_ path: String, _ data: Data) throws -> URL {
        let file = url.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try data.write(to: file)
        return file
    }

    /// Sets a file's modification time, so change detection sees a change without waiting.
    func touch(_ path: String, secondsSince1970: Double) throws {
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSince1970: secondsSince1970)], ofItemAtPath: url.appendingPathComponent(path).path)
    }

    func remove() {
        try? FileManager.default.removeItem(at: url)
    }
}

/// Runs `body` with an in-memory index and closes it afterwards, thrown error or not (sqlite-nio
/// asserts that every connection is closed).
func withMemoryIndex<T>(_ body: (SQLitePassageIndex) async throws -> T) async throws -> T {
    let index = try await SQLitePassageIndex.open(path: nil)
    do {
        let result = try await body(index)
        try await index.close()
        return result
    } catch {
        try? await index.close()
        throw error
    }
}
