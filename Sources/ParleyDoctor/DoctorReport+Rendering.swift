import ParleyServer

extension DoctorReport {
    /// The report for a person at a terminal: one block per step, a symbol, the summary, the facts
    /// aligned, notes, and `fix:` lines; then a verdict.
    public func render() -> String {
        var lines = ["parley doctor"]
        for step in steps {
            lines.append("")
            lines += step.renderedLines()
        }
        lines.append("")
        let failed = steps.filter { $0.status == .failed }
        if mode == ParleySettings.Mode.offline.rawValue {
            lines.append("Result: offline mode works; set OPENAI_API_BASE and DEPLOYMENT_NAME to use Azure OpenAI.")
        } else if failed.isEmpty {
            let warnings = steps.filter { $0.status == .warning }.map(\.title)
            lines.append(warnings.isEmpty
                ? "Result: everything works."
                : "Result: works, with warnings (\(warnings.joined(separator: ", "))).")
        } else {
            let names = failed.map(\.title).joined(separator: ", ")
            lines.append("Result: \(failed.count) problem\(failed.count == 1 ? "" : "s") (\(names)). Apply the fix lines above and run `parley doctor` again.")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

extension DoctorStep.Status {
    /// ✔ ⚠ ✘ –
    public var symbol: String {
        switch self {
        case .ok: "✔"
        case .warning: "⚠"
        case .failed: "✘"
        case .skipped: "–"
        }
    }
}

extension DoctorStep {
    func renderedLines() -> [String] {
        var lines = ["\(status.symbol) \(title): \(summary)"]
        let width = facts.map(\.name.count).max() ?? 0
        for fact in facts {
            let padding = String(repeating: " ", count: width - fact.name.count)
            lines.append("    \(fact.name):\(padding) \(fact.value)")
        }
        lines += notes.map { "    \($0)" }
        lines += fixes.map { "    fix: \($0)" }
        return lines
    }
}
