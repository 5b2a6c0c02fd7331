/// A small parser of the Prometheus text exposition format for tests: samples by name and labels.
/// It shares no code with the exporter, so a test cannot pass because both sides share a bug.
struct PrometheusText {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// Samples keyed by `name{k="v",...}` with the labels sorted by name.
    private(set) var samples: [String: Double] = [:]
    /// `# TYPE` lines: metric family name to type.
    private(set) var types: [String: String] = [:]

    init(_ text: String) throws {
        for line in text.split(separator: "\n") {
            if line.hasPrefix("# TYPE ") {
                let parts = line.split(separator: " ")
                guard parts.count == 4 else { throw Failure(description: "bad TYPE line: \(line)") }
                self.types[String(parts[2])] = String(parts[3])
                continue
            }
            if line.hasPrefix("#") { continue }
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...])
            else { throw Failure(description: "bad sample line: \(line)") }
            let series = line[..<space]
            let key: String
            if let open = series.firstIndex(of: "{") {
                guard series.last == "}" else { throw Failure(description: "bad labels: \(line)") }
                let labels = series[series.index(after: open)..<series.index(before: series.endIndex)]
                    .split(separator: ",").map(String.init).sorted()
                for label in labels where !label.contains("=\"") || !label.hasSuffix("\"") {
                    throw Failure(description: "bad label \(label) in \(line)")
                }
                key = "\(series[..<open]){\(labels.joined(separator: ","))}"
            } else {
                key = String(series)
            }
            guard self.samples[key] == nil else { throw Failure(description: "duplicate sample \(key)") }
            self.samples[key] = value
        }
    }

    /// The sample `name` with exactly `labels`, or nil.
    func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        if labels.isEmpty { return self.samples[name] }
        let rendered = labels.map { "\($0.key)=\"\($0.value)\"" }.sorted().joined(separator: ",")
        return self.samples["\(name){\(rendered)}"]
    }
}
