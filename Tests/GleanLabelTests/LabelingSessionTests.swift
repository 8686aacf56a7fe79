import Foundation
import GleanLabel
import GleanTestSupport
import Testing

/// A folder of four small "images" (any bytes: the session copies files, it does not decode
/// them), two of them in a sub-folder with the same name as one above.
func makePile(_ label: String) throws -> (pile: String, out: String) {
    let root = ScratchDirectory(label).path
    let pile = root + "/pile"
    try FileManager.default.createDirectory(atPath: pile + "/sub", withIntermediateDirectories: true)
    for (index, name) in ["a.png", "b.png", "sub/a.png", "sub/c.jpg"].enumerated() {
        #expect(FileManager.default.createFile(atPath: pile + "/" + name, contents: Data([UInt8](repeating: UInt8(index), count: 16 + index))))
    }
    return (pile, root + "/labeled")
}

@Suite struct LabelingSessionTests {
    @Test func answersAreFilesAndAJournalAndUndoTakesTheLastBack() throws {
        let (pile, out) = try makePile("session")
        let images = try LabelOrder.load(root: pile, order: nil)
        #expect(images.map { String($0.dropFirst(pile.count + 1)) } == ["a.png", "b.png", "sub/a.png", "sub/c.jpg"])
        let session = try LabelingSession(images: images, classes: ["cat", "dog"], out: out)
        try session.answer(0, label: "cat")
        try session.answer(1, label: nil)
        var state = try session.answer(2, label: "dog")
        #expect(state.position == 3 && state.answered == 3 && state.skipped == 1 && state.counts == [1, 1] && state.upcoming == [3])
        #expect(FileManager.default.contents(atPath: out + "/cat/a.png") == FileManager.default.contents(atPath: pile + "/a.png"))
        #expect(FileManager.default.contents(atPath: out + "/dog/sub__a.png") == FileManager.default.contents(atPath: pile + "/sub/a.png"))
        #expect(FileManager.default.fileExists(atPath: pile + "/a.png"), "the original stays")
        let journal = try String(contentsOfFile: out + "/labels.csv", encoding: .utf8)
        #expect(journal == "path,class\n\(pile)/a.png,cat\n\(pile)/b.png,\n\(pile)/sub/a.png,dog\n")
        state = try session.undo()
        #expect(state.position == 2 && state.counts == [1, 0] && state.last == "")
        #expect(!FileManager.default.fileExists(atPath: out + "/dog/sub__a.png"))
        // Answering an image again moves its copy.
        try session.answer(0, label: "dog")
        #expect(!FileManager.default.fileExists(atPath: out + "/cat/a.png") && FileManager.default.fileExists(atPath: out + "/dog/a.png"))
        #expect { try session.answer(3, label: "bird") } throws: { "\($0)".contains("'bird' is not one of the classes") }
        #expect { try session.answer(9, label: "cat") } throws: { "\($0)".contains("image 9 does not exist") }
    }

    /// A restart continues where labeling stopped; a copy made just before a kill, whose journal
    /// row was never written, counts as answered, and a row whose copy is gone does not.
    @Test func aRestartContinuesAndRepairsAKilledAnswer() throws {
        let (pile, out) = try makePile("resume")
        let images = try LabelOrder.load(root: pile, order: nil)
        do {
            let session = try LabelingSession(images: images, classes: ["cat", "dog"], out: out)
            try session.answer(0, label: "cat")
            try session.answer(1, label: "dog")
        }
        try FileManager.default.copyItem(atPath: pile + "/sub/a.png", toPath: out + "/cat/sub__a.png")
        try FileManager.default.removeItem(atPath: out + "/dog/b.png")
        let session = try LabelingSession(images: images, classes: ["cat", "dog"], out: out)
        let state = session.state
        #expect(state.answered == 2 && state.counts == [2, 0] && state.position == 1 && state.upcoming == [1, 3])
        #expect(try String(contentsOfFile: out + "/labels.csv", encoding: .utf8).contains("\(pile)/sub/a.png,cat"))
    }

    @Test func theOrderComesFromACSVInsideTheFolderAndBadClassesAreRefused() throws {
        let (pile, out) = try makePile("order")
        let csv = out + "-selection.csv"
        try "path,rank,strategy,reason\n\"\(pile)/sub/c.jpg\",1,typiclust,\"typical, diverse\"\n\(pile)/a.png,2,typiclust,x\n"
            .write(toFile: csv, atomically: true, encoding: .utf8)
        #expect(try LabelOrder.load(root: pile, order: csv) == [pile + "/sub/c.jpg", pile + "/a.png"])
        try "file\n/etc/passwd\n".write(toFile: csv, atomically: true, encoding: .utf8)
        #expect { try LabelOrder.load(root: pile, order: csv) } throws: { "\($0)".contains("is not inside --images") }
        try "path\n\"\(pile)/a.png,1\n".write(toFile: csv, atomically: true, encoding: .utf8)
        #expect { try LabelOrder.load(root: pile, order: csv) } throws: { "\($0)".contains("line 2 has a quoted field that is not closed") }
        let images = try LabelOrder.load(root: pile, order: nil)
        for classes in [["cat"], ["cat", "cat"], ["cat", "../x"], ["cat", ".hidden"], ["cat", ""]] {
            #expect(throws: LabelingError.self) { try LabelingSession(images: images, classes: classes, out: out) }
        }
    }
}
