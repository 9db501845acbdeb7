import Foundation

/// A strict reader of the Prometheus text exposition format 0.0.4 (prometheus.io "Exposition
/// formats", 2026), enough to prove /metrics parses and to read values: every sample belongs to a
/// family declared by `# TYPE`, names and labels are well formed, values are numbers, and
/// histogram buckets are cumulative with `+Inf` equal to `_count`.
struct PrometheusText {
    struct Sample: Equatable {
        var name: String
        var labels: [String: String]
        var value: Double
    }

    struct Invalid: Error, CustomStringConvertible {
        let line: String
        let reason: String
        var description: String { "\(reason): \(line)" }
    }

    var types: [String: String] = [:]
    var samples: [Sample] = []

    init(parsing text: String) throws {
        for line in text.split(separator: "\n", omittingEmptySubsequences: true).map(String.init) {
            if line.hasPrefix("#") {
                let parts = line.split(separator: " ", maxSplits: 3).map(String.init)
                if parts.count >= 2, parts[1] == "TYPE" {
                    guard parts.count == 4, Self.isName(parts[2]),
                        ["counter", "gauge", "histogram", "summary", "untyped"].contains(parts[3])
                    else { throw Invalid(line: line, reason: "bad TYPE line") }
                    guard types[parts[2]] == nil else { throw Invalid(line: line, reason: "TYPE declared twice") }
                    types[parts[2]] = parts[3]
                }
                continue
            }
            samples.append(try Self.sample(line))
        }
        for sample in samples {
            guard family(of: sample.name) != nil else { throw Invalid(line: sample.name, reason: "sample without a TYPE") }
        }
        try checkHistograms()
    }

    /// The declared family a sample name belongs to (`x_bucket` → `x` for histograms).
    func family(of name: String) -> String? {
        if types[name] != nil { return name }
        for suffix in ["_bucket", "_sum", "_count"] where name.hasSuffix(suffix) {
            let base = String(name.dropLast(suffix.count))
            if types[base] == "histogram" || types[base] == "summary" { return base }
        }
        return nil
    }

    /// The value of the sample with exactly these labels.
    func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        samples.first { $0.name == name && $0.labels == labels }?.value
    }

    private func checkHistograms() throws {
        for (name, type) in types where type == "histogram" {
            let buckets = samples.filter { $0.name == name + "_bucket" }
            let series = Dictionary(grouping: buckets) { $0.labels.filter { $0.key != "le" } }
            for (labels, group) in series {
                let ordered = try group.map { bucket -> (Double, Double) in
                    guard let le = bucket.labels["le"], let bound = le == "+Inf" ? Double.infinity : Double(le) else {
                        throw Invalid(line: name, reason: "bucket without a numeric le")
                    }
                    return (bound, bucket.value)
                }.sorted { $0.0 < $1.0 }
                for (lower, higher) in zip(ordered, ordered.dropFirst()) where higher.1 < lower.1 {
                    throw Invalid(line: name, reason: "buckets are not cumulative")
                }
                guard ordered.last?.0 == .infinity, let count = value(name + "_count", labels), ordered.last?.1 == count,
                    value(name + "_sum", labels) != nil
                else { throw Invalid(line: name, reason: "histogram without +Inf == _count, or without _sum") }
            }
        }
    }

    static func isName(_ name: String) -> Bool {
        name.range(of: #"^[a-zA-Z_:][a-zA-Z0-9_:]*$"#, options: .regularExpression) != nil
    }

    static func sample(_ line: String) throws -> Sample {
        var rest = Substring(line)
        let name = String(rest.prefix { $0.isLetter || $0.isNumber || $0 == "_" || $0 == ":" })
        guard isName(name) else { throw Invalid(line: line, reason: "bad metric name") }
        rest = rest.dropFirst(name.count)
        var labels: [String: String] = [:]
        if rest.first == "{" {
            rest = rest.dropFirst()
            while rest.first != "}" {
                let label = String(rest.prefix { $0 != "=" })
                guard label.range(of: #"^[a-zA-Z_][a-zA-Z0-9_]*$"#, options: .regularExpression) != nil else {
                    throw Invalid(line: line, reason: "bad label name")
                }
                rest = rest.dropFirst(label.count)
                guard rest.hasPrefix("=\"") else { throw Invalid(line: line, reason: "label without a quoted value") }
                rest = rest.dropFirst(2)
                var value = ""
                while let character = rest.first, character != "\"" {
                    rest = rest.dropFirst()
                    if character == "\\" {
                        guard let escaped = rest.first, ["\\", "\"", "n"].contains(escaped) else {
                            throw Invalid(line: line, reason: "bad escape")
                        }
                        value.append(escaped == "n" ? "\n" : escaped)
                        rest = rest.dropFirst()
                    } else {
                        value.append(character)
                    }
                }
                guard rest.first == "\"" else { throw Invalid(line: line, reason: "unterminated label value") }
                rest = rest.dropFirst()
                labels[label] = value
                if rest.first == "," { rest = rest.dropFirst() }
            }
            rest = rest.dropFirst()
        }
        let fields = rest.split(separator: " ")
        guard rest.first == " ", (1...2).contains(fields.count) else { throw Invalid(line: line, reason: "no value") }
        let text = String(fields[0])
        let value: Double? = ["+Inf": .infinity, "-Inf": -.infinity, "NaN": .nan][text] ?? Double(text)
        guard let value else { throw Invalid(line: line, reason: "value is not a number") }
        return Sample(name: name, labels: labels, value: value)
    }
}
