import Foundation
import Glean

/// `report.html` of `glean check-labels`: the summary and one card per listed image (its
/// thumbnail, file, given and suggested class, confidence), surest first.
struct LabelIssuesPage {
    let title: String
    let summary: [String]
    let images: ImageDataset
    let issues: [ConfidentLearning.Issue]
    let planted: Set<Int>

    func write(to path: String) throws {
        let names = images.classNames
        let cards = issues.enumerated().map { rank, issue in
            let png = Data(ImageEncoder.png(images, index: issue.index)).base64EncodedString()
            let mark = planted.isEmpty ? "" : planted.contains(issue.index) ? " <b>(flipped)</b>" : " (not flipped)"
            return """
            <figure><img src="data:image/png;base64,\(png)" alt=""><figcaption>#\(rank + 1) \(escapeHTML(images.source(of: issue.index)))<br>
            labeled <b>\(escapeHTML(names[issue.givenLabel]))</b>, looks like <b>\(escapeHTML(names[issue.suggestedLabel]))</b><br>
            p(label) \(String(format: "%.2f", issue.selfConfidence)), margin \(String(format: "%.2f", issue.margin))\(mark)</figcaption></figure>
            """
        }.joined(separator: "\n")
        let page = """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><title>\(escapeHTML(title))</title>
            <style>body{font-family:sans-serif;margin:2em}figure{display:inline-block;width:11em;margin:.4em;vertical-align:top;font-size:.8em}
            img{width:8em;height:8em;image-rendering:pixelated;border:1px solid #ccc}</style></head><body>
            <h1>\(escapeHTML(title))</h1>
            \(summary.map { "<p>\(escapeHTML($0))</p>" }.joined(separator: "\n"))
            \(cards)
            </body></html>
            """
        try AtomicFile.write(Data(page.utf8), to: path)
    }
}
