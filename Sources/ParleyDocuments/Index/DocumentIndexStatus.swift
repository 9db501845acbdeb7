import Foundation

/// What the document index holds, for `/readyz`, `parley doctor` and `/metrics`.
public struct DocumentIndexStatus: Sendable, Equatable {
    /// Files indexed.
    public var files: Int
    /// Passages indexed.
    public var passages: Int
    /// Files left out on the last refresh and why (binary, too large, unreadable, outside the folder).
    public var skippedFiles: [SkippedFile]
    /// When the last refresh finished (nil before the first one).
    public var lastRefresh: Date?
    /// The last refresh's error, nil when it succeeded (the previous index stays searchable).
    public var lastError: String?

    public init(files: Int = 0, passages: Int = 0, skippedFiles: [SkippedFile] = [], lastRefresh: Date? = nil, lastError: String? = nil) {
        self.files = files
        self.passages = passages
        self.skippedFiles = skippedFiles
        self.lastRefresh = lastRefresh
        self.lastError = lastError
    }
}

/// A file the scanner did not index, with the reason (also logged once).
public struct SkippedFile: Sendable, Equatable {
    public enum Reason: String, Sendable, Equatable {
        case binary
        case tooLarge = "too large"
        case unreadable
        case outsideFolder = "symlink outside the folder"
    }

    public var path: String
    public var reason: Reason

    public init(path: String, reason: Reason) {
        self.path = path
        self.reason = reason
    }
}
