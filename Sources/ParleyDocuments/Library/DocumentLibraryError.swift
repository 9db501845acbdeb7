/// Why the document library could not refresh; the previous index stays searchable.
public enum DocumentLibraryError: Error, Equatable, CustomStringConvertible {
    case folderMissing(String)

    public var description: String {
        switch self {
        case .folderMissing(let path):
            "PARLEY_DOCS_DIR \(path) is not a readable folder; create it or point PARLEY_DOCS_DIR at the documents"
        }
    }
}
