import Foundation
import GleanTestSupport
import Testing

/// `glean label` in a real browser: Debian's Chromium driven through Selenium
/// (`scripts/check_label_page.py`, in the venv `scripts/setup.sh` makes) labels three images with
/// key presses, skips one and undoes the skip, and the files on disk and `labels.csv` are checked.
@Suite struct LabelPageBrowserTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    @Test func labelsWithKeyPressesInChromium() throws {
        let python = Self.root + "/.venv-test/bin/python"
        for needed in [python, "/usr/bin/chromium", "/usr/bin/chromedriver"] {
            try #require(FileManager.default.isExecutableFile(atPath: needed), "no \(needed): run scripts/setup.sh (it installs the browser test's tools)")
        }
        let folder = TestScratch.path("label-browser")
        let pile = folder + "/pile"
        try FileManager.default.createDirectory(atPath: pile, withIntermediateDirectories: true)
        let fixtures = Self.root + "/Tests/GleanDataTests/Fixtures/images/"
        for (source, name) in [("rgb.png", "a.png"), ("gray.png", "b.png"), ("rgb.jpg", "c.jpg"), ("rgb.png", "d.png")] {
            try FileManager.default.copyItem(atPath: fixtures + source, toPath: pile + "/" + name)
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [Self.root + "/scripts/check_label_page.py", ReleaseBinary.path, pile, folder + "/labeled"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(text)")
        #expect(try String(contentsOfFile: folder + "/labeled/labels.csv", encoding: .utf8).split(separator: "\n").count == 4)
    }
}
