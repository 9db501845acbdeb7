/// A file as the index last read it: compared with the folder on each refresh so only changed
/// files are read again (size and modification time first, then the content hash).
public struct IndexedFile: Sendable, Equatable, Codable {
    /// Relative to PARLEY_DOCS_DIR, "/" separators.
    public var path: String
    /// Bytes.
    public var size: Int64
    /// Seconds since 1970 (the file system's modification time).
    public var modificationTime: Double
    /// SHA-256 of the file's bytes, lowercase hex.
    public var contentHash: String

    public init(path: String, size: Int64, modificationTime: Double, contentHash: String) {
        self.path = path
        self.size = size
        self.modificationTime = modificationTime
        self.contentHash = contentHash
    }
}
