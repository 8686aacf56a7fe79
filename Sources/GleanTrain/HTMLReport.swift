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
        var body = "<h2>Loss</h2>\n" + chart(series: [("loss", "train"), ("val_loss", "validation")], percent: false)
        body += "<h2>Accuracy</h2>\n" + chart(series: [("accuracy", "train"), ("val_accuracy", "validation")], percent: true)
        body += epochTable()
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

    private func chart(series: [(String, String)], percent: Bool) -> String {
        let width = 640.0, height = 300.0, left = 60.0, right = 20.0, top = 20.0, bottom = 40.0
        let lines = series.compactMap { key, label -> (String, [Double])? in
            let values = history.compactMap { $0[key] }
            return values.count == history.count && !values.isEmpty ? (label, values) : nil
        }
        guard !lines.isEmpty else { return "<p>(no data)</p>\n" }
        let all = lines.flatMap(\.1)
        var low = all.min()!, high = all.max()!
        if high - low < 1e-9 { low -= 0.5; high += 0.5 }
        let epochs = max(history.count - 1, 1)
        func x(_ epoch: Int) -> Double { left + (width - left - right) * Double(epoch) / Double(epochs) }
        func y(_ value: Double) -> Double { top + (height - top - bottom) * (1 - (value - low) / (high - low)) }
        let colors = ["#1f77b4", "#d62728"]
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\">\n"
        for tick in 0...4 {
            let value = low + (high - low) * Double(tick) / 4
            let label = percent ? String(format: "%.1f%%", 100 * value) : String(format: "%.3g", value)
            svg += String(format: "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#eee\"/>", left, y(value), width - right, y(value))
            svg += String(format: "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" text-anchor=\"end\">%@</text>\n", left - 5, y(value) + 4, label)
        }
        for epoch in 0..<history.count where history.count <= 20 || epoch % max(1, history.count / 10) == 0 {
            svg += String(format: "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" text-anchor=\"middle\">%d</text>", x(epoch), height - bottom + 16, epoch + 1)
        }
        svg += String(format: "<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\" text-anchor=\"middle\">epoch</text>\n", (left + width - right) / 2, height - 6)
        for (index, (label, values)) in lines.enumerated() {
            let points = values.enumerated().map { String(format: "%.1f,%.1f", x($0.offset), y($0.element)) }.joined(separator: " ")
            svg += "<polyline fill=\"none\" stroke=\"\(colors[index % 2])\" stroke-width=\"2\" points=\"\(points)\"/>\n"
            for (epoch, value) in values.enumerated() {
                svg += String(format: "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%@\"/>", x(epoch), y(value), colors[index % 2])
            }
            svg += String(format: "<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\" fill=\"%@\">%@</text>\n",
                          left + 10 + 110 * Double(index), top + 12, colors[index % 2], escape(label))
        }
        return svg + "</svg>\n"
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
func escapeHTML(_ text: String) -> String {
    text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
        .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
}
