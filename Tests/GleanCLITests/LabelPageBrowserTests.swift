import Foundation
import GleanTestSupport
import Testing

/// `glean label` in a real browser: Debian's Chromium driven through Selenium
/// (`scripts/check_label_page.py`, in the venv `scripts/setup.sh` makes) labels three images with
/// key presses, skips one and undoes the skip, and the files on disk and `labels.csv` are checked.
@Suite struct LabelPageBrowserTests {
    @Test func labelsWithKeyPressesInChromium() throws {
        for needed in ["/usr/bin/chromium", "/usr/bin/chromedriver"] {
            try #require(FileManager.default.isExecutableFile(atPath: needed), "no \(needed): run scripts/setup.sh (it installs the browser test's tools)")
        }
        let folder = TestScratch.path("label-browser")
        let pile = folder + "/pile"
        try FileManager.default.createDirectory(atPath: pile, withIntermediateDirectories: true)
        let fixtures = TestPython.root + "/Tests/GleanDataTests/Fixtures/images/"
        for (source, name) in [("rgb.png", "a.png"), ("gray.png", "b.png"), ("rgb.jpg", "c.jpg"), ("rgb.png", "d.png")] {
            try FileManager.default.copyItem(atPath: fixtures + source, toPath: pile + "/" + name)
        }
        let (status, text) = try TestPython.run("check_label_page.py", [ReleaseBinary.path, pile, folder + "/labeled"])
        #expect(status == 0, "\(text)")
        #expect(try String(contentsOfFile: folder + "/labeled/labels.csv", encoding: .utf8).split(separator: "\n").count == 4)
    }
}
