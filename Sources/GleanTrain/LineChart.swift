import Foundation

/// An SVG line chart: series of (x, y) points on shared axes, a legend (one line per series, top
/// left), grid lines and tick
/// labels. Reports draw training curves (x = epoch) and the demo's accuracy over wall time with it.
public struct LineChart {
    /// One line of the chart, its points in drawing order.
    public struct Series {
        public let label: String
        public let points: [(x: Double, y: Double)]

        public init(label: String, points: [(x: Double, y: Double)]) {
            self.label = label
            self.points = points
        }
    }

    public let series: [Series]
    /// The title under the x axis.
    public let xTitle: String
    /// Where the x axis has labelled ticks, and their text.
    public let xTicks: [(x: Double, label: String)]
    /// Whether y values are fractions shown as percentages.
    public let percent: Bool
    /// Smallest range of x the axis spans from its lowest value (so a one-point chart has width).
    public let minimumXSpan: Double

    public init(series: [Series], xTitle: String, xTicks: [(x: Double, label: String)], percent: Bool, minimumXSpan: Double = 1) {
        self.series = series
        self.xTitle = xTitle
        self.xTicks = xTicks
        self.percent = percent
        self.minimumXSpan = minimumXSpan
    }

    static let colors = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd"]

    /// The chart as an `<svg>` element, or a short note when no series has a point.
    public func svg(width: Double = 640, height: Double = 300) -> String {
        let left = 60.0, right = 20.0, top = 20.0, bottom = 40.0
        let drawn = series.filter { !$0.points.isEmpty }
        guard !drawn.isEmpty else { return "<p>(no data)</p>\n" }
        let ys = drawn.flatMap { $0.points.map(\.y) }, xs = drawn.flatMap { $0.points.map(\.x) }
        var (low, high) = (ys.min()!, ys.max()!)
        if high - low < 1e-9 { low -= 0.5; high += 0.5 }
        let xLow = xs.min()!, xHigh = max(xs.max()!, xLow + minimumXSpan)
        func x(_ value: Double) -> Double { left + (width - left - right) * (value - xLow) / (xHigh - xLow) }
        func y(_ value: Double) -> Double { top + (height - top - bottom) * (1 - (value - low) / (high - low)) }
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\">\n"
        for tick in 0...4 {
            let value = low + (high - low) * Double(tick) / 4
            let label = percent ? String(format: "%.1f%%", 100 * value) : String(format: "%.3g", value)
            svg += String(format: "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#eee\"/>", left, y(value), width - right, y(value))
            svg += String(format: "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" text-anchor=\"end\">%@</text>\n", left - 5, y(value) + 4, label)
        }
        for tick in xTicks where tick.x >= xLow && tick.x <= xHigh {
            svg += String(format: "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" text-anchor=\"middle\">%@</text>",
                          x(tick.x), height - bottom + 16, escapeHTML(tick.label))
        }
        svg += String(format: "<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\" text-anchor=\"middle\">%@</text>\n",
                      (left + width - right) / 2, height - 6, escapeHTML(xTitle))
        for (index, line) in drawn.enumerated() {
            let color = Self.colors[index % Self.colors.count]
            let points = line.points.map { String(format: "%.1f,%.1f", x($0.x), y($0.y)) }.joined(separator: " ")
            svg += "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\" points=\"\(points)\"/>\n"
            for point in line.points {
                svg += String(format: "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%@\"/>", x(point.x), y(point.y), color)
            }
            svg += String(format: "<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\" fill=\"%@\" stroke=\"#fff\" stroke-width=\"3\" paint-order=\"stroke\">%@</text>\n",
                          left + 10, top + 12 + 15 * Double(index), color, escapeHTML(line.label))
        }
        return svg + "</svg>\n"
    }
}
