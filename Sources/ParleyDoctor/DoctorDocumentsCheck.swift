import Logging
import ParleyServer

/// The documents step (issue 14), only with PARLEY_DOCS_DIR: indexes the folder as `parley serve`
/// would and reports what it holds (files, passages, skipped files and why).
struct DoctorDocumentsCheck {
    static let title = "Documents"

    let settings: ParleySettings
    let logger: Logger

    func step() async -> DoctorStep? {
        guard let result = await DocumentsDiagnosis.check(settings: settings, logger: logger) else { return nil }
        let status: DoctorStep.Status = !result.ok ? .failed : (result.notes.isEmpty ? .ok : .warning)
        let fixes = result.ok
            ? (result.notes.isEmpty ? [] : ["Skipped files are left out of answers: convert them to Markdown, text or HTML, or ignore this."])
            : ["Point PARLEY_DOCS_DIR at a readable folder of Markdown, text or HTML files."]
        return DoctorStep(
            id: .documents, title: Self.title, status: status, summary: result.summary,
            facts: result.facts.map { DoctorFact($0.0, $0.1) }, notes: result.notes, fixes: fixes)
    }
}
