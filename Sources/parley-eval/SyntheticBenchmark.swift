import Foundation
import ParleyDocuments

/// Indexes `passages` synthetic passages (100 per file, each a heading and ~250 tokens of words from
/// a fixed vocabulary, so runs compare) into an in-memory index and reports the time and the
/// process's peak resident memory (Linux VmHWM).
struct SyntheticBenchmark {
    var passages: Int
    /// Where to write the corpus and leave it (`make bench` indexes it again with sqlite3); nil: a
    /// temporary folder, removed afterwards.
    var keepIn: URL?

    func run() async throws {
        let folder = keepIn ?? FileManager.default.temporaryDirectory.appendingPathComponent("parley-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { if keepIn == nil { try? FileManager.default.removeItem(at: folder) } }
        var generator = SplitMix64(seed: 14)
        let vocabulary = (0..<5_000).map { "w\(String($0, radix: 36))" }
        let perFile = 100
        let files = (passages + perFile - 1) / perFile
        for file in 0..<files {
            var text = "# Document \(file)\n\n"
            for section in 0..<min(perFile, passages - file * perFile) {
                text += "## Section \(section)\n\n"
                // ~250 tokens: 4 sentences of ~60 words of 3–4 characters each.
                for _ in 0..<4 {
                    text += (0..<60).map { _ in vocabulary[Int(generator.next() % UInt64(vocabulary.count))] }.joined(separator: " ") + ".\n"
                }
                text += "\n"
            }
            try Data(text.utf8).write(to: folder.appendingPathComponent("doc-\(file).md"))
        }
        let index = try await SQLitePassageIndex.open(path: nil)
        let library = DocumentLibrary(root: folder, index: index)
        let clock = ContinuousClock()
        let start = clock.now
        let status = try await library.refresh()
        let indexing = clock.now - start
        let queryStart = clock.now
        for query in 0..<100 {
            _ = try await index.keywordSearch("\(vocabulary[query * 7]) \(vocabulary[query * 13 + 1])", limit: 5)
        }
        let queries = clock.now - queryStart
        let again = clock.now
        try await library.refresh()
        let unchanged = clock.now - again
        try await index.close()
        print("| passages | files | indexing | refresh, nothing changed | keyword query (mean of 100) | peak RSS |")
        print("|---|---|---|---|---|---|")
        print("| \(status.passages) | \(status.files) | \(indexing) | \(unchanged) | \(queries / 100) | \(Self.peakResidentMiB().map { "\($0) MiB" } ?? "n/a") |")
    }

    static func peakResidentMiB() -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
              let kilobytes = Int(line.split(separator: " ").dropFirst().first ?? "") else { return nil }
        return kilobytes / 1024
    }
}

/// A small deterministic generator (SplitMix64, https://prng.di.unimi.it/splitmix64.c), so the
/// corpus is the same on every run.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
