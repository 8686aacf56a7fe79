import Foundation
import GleanNN

/// A self-contained HTML report of a run: loss and accuracy curves per epoch (inline SVG),
/// the confusion-matrix heatmap and the per-class table. No scripts, no external files.
public struct HTMLReport {
    public let title: String
    public let history: [EpochMetrics]
    public let confusion: ConfusionMatrix?
    public let classNames: [String]
    /// Headline lines shown under the title (final figures).
    public let summary: [String]
    /// The run's settings as (name, value) rows of a table.
    public let settings: [(name: String, value: String)]

    public init(title: String, history: [EpochMetrics], confusion: ConfusionMatrix?, classNames: [String] = [],
                summary: [String] = [], settings: [(name: String, value: String)] = []) {
        self.title = title
        self.history = history
        self.confusion = confusion
        self.classNames = classNames
        self.summary = summary
        self.settings = settings
    }

    public func render() -> String {
        Self.page(title: title, body: "<h1>\(escape(title))</h1>\n" + summary.map { "<p class=\"summary\">\(escape($0))</p>\n" }.joined()
                  + sections())
    }

    /// Curves, epoch table, settings and confusion matrix, without title or summary (a comparison
    /// puts several of these on one page).
    func sections() -> String {
        var body = ""
        if !history.isEmpty {
            body += "<h2>Loss</h2>\n" + chart(series: [("loss", "train"), ("val_loss", "validation")], percent: false)
            body += "<h2>Accuracy</h2>\n" + chart(series: [("accuracy", "train"), ("val_accuracy", "validation")], percent: true)
            body += epochTable()
        }
        if !settings.isEmpty {
            body += "<h2>Settings</h2>\n<table>\n"
                + settings.map { "<tr><th>\(escape($0.name))</th><td>\(escape($0.value))</td></tr>\n" }.joined()
                + "</table>\n"
        }
        if let confusion {
            body += "<h2>Confusion matrix</h2>\n" + heatmap(confusion)
            body += "<h2>Per-class metrics</h2>\n<pre>\(escape(confusion.report(classNames: classNames)))</pre>\n"
        }
        return body
    }

    /// A complete page around `body`, with the reports' style sheet.
    static func page(title: String, body: String) -> String {
        """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>\(escapeHTML(title))</title>
        <style>body{font-family:sans-serif;margin:2em;color:#222}svg{background:#fff;border:1px solid #ddd}
        pre{background:#f6f6f6;padding:1em}.summary{font-size:1.2em;font-weight:bold}
        table{border-collapse:collapse}th,td{border:1px solid #ddd;padding:.25em .7em;text-align:right}
        th{background:#f6f6f6}.wide{overflow-x:auto;max-width:100%}section{border-top:3px solid #888;margin-top:2em}</style></head>
        <body>
        \(body)
        </body></html>
        """
    }

    /// Writes the report atomically.
    public func write(to path: String) throws { try AtomicFile.write(Data(render().utf8), to: path) }

    /// One row per epoch: every metric the history holds, percentages for accuracies.
    private func epochTable() -> String {
        guard !history.isEmpty else { return "" }
        let preferred = ["epoch", "loss", "accuracy", "val_loss", "val_accuracy", "val_top5", "lr", "seconds", "images_per_s"]
        let present = Set(history.flatMap(\.keys))
        let columns = preferred.filter(present.contains) + present.subtracting(preferred).sorted()
        func cell(_ key: String, _ value: Double?) -> String {
            guard let value else { return "" }
            if key == "epoch" { return String(Int(value)) }
            if key.hasSuffix("accuracy") || key.hasSuffix("top5") { return String(format: "%.2f%%", 100 * value) }
            return String(format: "%.4g", value)
        }
        var table = "<h2>Epochs</h2>\n<div class=\"wide\"><table>\n<tr>" + columns.map { "<th>\(escape($0))</th>" }.joined() + "</tr>\n"
        for metrics in history {
            table += "<tr>" + columns.map { "<td>\(cell($0, metrics[$0]))</td>" }.joined() + "</tr>\n"
        }
        return table + "</table></div>\n"
    }

    /// The curves of `series` (metric key, label) over the epochs, for those present in every epoch.
    private func chart(series: [(String, String)], percent: Bool) -> String {
        let lines = series.compactMap { key, label -> LineChart.Series? in
            let values = history.compactMap { $0[key] }
            guard values.count == history.count, !values.isEmpty else { return nil }
            return LineChart.Series(label: label, points: values.enumerated().map { (Double($0.offset), $0.element) })
        }
        let ticks = (0..<history.count).filter { history.count <= 20 || $0 % max(1, history.count / 10) == 0 }
            .map { (x: Double($0), label: String($0 + 1)) }
        return LineChart(series: lines, xTitle: "epoch", xTicks: ticks, percent: percent).svg()
    }

    private func heatmap(_ matrix: ConfusionMatrix) -> String {
        let count = matrix.classCount
        let names = (0..<count).map { $0 < classNames.count ? classNames[$0] : String($0) }
        let cell = max(24.0, min(48.0, 480.0 / Double(count)))
        let labelWidth = 110.0, topSpace = 110.0
        let size = labelWidth + cell * Double(count) + 10
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(size))\" height=\"\(Int(topSpace + cell * Double(count) + 30))\">\n"
        for row in 0..<count {
            let rowTotal = max(matrix.counts[row].reduce(0, +), 1)
            svg += String(format: "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" text-anchor=\"end\">%@</text>\n",
                          labelWidth - 6, topSpace + cell * (Double(row) + 0.6), escape(names[row]))
            for column in 0..<count {
                let value = matrix.counts[row][column], share = Double(value) / Double(rowTotal)
                let shade = Int(255 * (1 - share))
                svg += String(format: "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"rgb(%d,%d,255)\" stroke=\"#fff\"/>",
                              labelWidth + cell * Double(column), topSpace + cell * Double(row), cell, cell, shade, shade)
                svg += String(format: "<text x=\"%.1f\" y=\"%.1f\" font-size=\"10\" text-anchor=\"middle\" fill=\"%@\">%d</text>\n",
                              labelWidth + cell * (Double(column) + 0.5), topSpace + cell * (Double(row) + 0.6),
                              share > 0.5 ? "#fff" : "#000", value)
            }
        }
        for column in 0..<count {
            let x = labelWidth + cell * (Double(column) + 0.6), y = topSpace - 6
            svg += String(format: "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" transform=\"rotate(-60 %.1f %.1f)\">%@</text>\n",
                          x, y, x, y, escape(names[column]))
        }
        svg += String(format: "<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\">rows: true class, columns: predicted (shade: share of the row)</text>\n",
                      10.0, topSpace + cell * Double(count) + 22)
        return svg + "</svg>\n"
    }

    private func escape(_ text: String) -> String { escapeHTML(text) }
}

/// `text` with HTML's special characters escaped.
public func escapeHTML(_ text: String) -> String {
    text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
        .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
}
