import Foundation
import GleanNN

/// Several runs on one page: a table of their results (method, labels used, test top-1/top-5,
/// wall time), figures, then each run's curves, epoch table, confusion matrix and per-class metrics.
public struct ComparisonReport {
    /// One compared run.
    public struct Entry {
        public let method: String
        public let labelsUsed: Int
        /// Test metrics (`accuracy`, optional `top5`).
        public let test: EpochMetrics
        public let seconds: Double
        /// The run's own report (its summary lines are shown under its heading).
        public let report: HTMLReport

        public init(method: String, labelsUsed: Int, test: EpochMetrics, seconds: Double, report: HTMLReport) {
            self.method = method
            self.labelsUsed = labelsUsed
            self.test = test
            self.seconds = seconds
            self.report = report
        }
    }

    public let title: String
    public let notes: [String]
    public let entries: [Entry]
    /// HTML fragments (e.g. a `LineChart`'s SVG under a heading) shown after the table.
    public let figures: [String]

    public init(title: String, notes: [String] = [], entries: [Entry], figures: [String] = []) {
        self.title = title
        self.notes = notes
        self.entries = entries
        self.figures = figures
    }

    /// The results table as plain text, one line per run (what the command prints).
    public var table: [String] {
        let width = max(6, entries.map(\.method.count).max() ?? 0)
        func pad(_ text: String, _ length: Int) -> String { text.padding(toLength: max(length, text.count), withPad: " ", startingAt: 0) }
        return [pad("method", width) + "  labels  test top-1  test top-5  wall time"]
            + entries.map { entry in
                pad(entry.method, width) + "  " + pad(String(entry.labelsUsed), 6) + "  "
                    + pad(String(format: "%.2f%%", 100 * (entry.test["accuracy"] ?? 0)), 10) + "  "
                    + pad(entry.test["top5"].map { String(format: "%.2f%%", 100 * $0) } ?? "-", 10) + "  "
                    + Self.duration(entry.seconds)
            }
    }

    public func render() -> String {
        var body = "<h1>\(escapeHTML(title))</h1>\n" + notes.map { "<p>\(escapeHTML($0))</p>\n" }.joined()
        body += "<table>\n<tr><th>method</th><th>labels used</th><th>test top-1</th><th>test top-5</th><th>wall time</th></tr>\n"
        for entry in entries {
            body += "<tr><th>\(escapeHTML(entry.method))</th><td>\(entry.labelsUsed)</td>"
                + String(format: "<td>%.2f%%</td>", 100 * (entry.test["accuracy"] ?? 0))
                + "<td>\(entry.test["top5"].map { String(format: "%.2f%%", 100 * $0) } ?? "-")</td><td>\(Self.duration(entry.seconds))</td></tr>\n"
        }
        body += "</table>\n" + figures.joined()
        for entry in entries {
            body += "<section><h1>\(escapeHTML(entry.method))</h1>\n"
                + entry.report.summary.map { "<p class=\"summary\">\(escapeHTML($0))</p>\n" }.joined()
                + entry.report.sections() + "</section>\n"
        }
        return HTMLReport.page(title: title, body: body)
    }

    /// Writes the page atomically.
    public func write(to path: String) throws { try AtomicFile.write(Data(render().utf8), to: path) }

    /// `4m 05s` or `12.3s`.
    public static func duration(_ seconds: Double) -> String {
        seconds < 60 ? String(format: "%.1fs", seconds) : String(format: "%dm %02ds", Int(seconds) / 60, Int(seconds) % 60)
    }
}
