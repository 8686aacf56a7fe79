import Foundation
import GleanTestSupport
import Glean
import GleanFuzz
import Testing

/// Decoded pixels against Pillow's (Fixtures/generate_images.py).
@Suite struct ImageDecoderTests {
    static let imagesDirectory = Bundle.module.url(forResource: "images", withExtension: nil, subdirectory: "Fixtures")!.path
    static let reference: [String: [String: Any]] = {
        let data = try! Data(contentsOf: URL(fileURLWithPath: imagesDirectory + "/decoded.json"))
        return try! JSONSerialization.jsonObject(with: data) as! [String: [String: Any]]
    }()

    @Test(arguments: ["gray.png", "rgb.png", "rgba.png", "rgb.jpg", "gray.jpg"])
    func pixelsEqualPillow(name: String) throws {
        let expected = Self.reference[name]!
        let decoded = try ImageDecoder.decode(path: Self.imagesDirectory + "/" + name)
        #expect(decoded.width == expected["width"] as! Int && decoded.height == expected["height"] as! Int)
        let channels = ["L": 1, "RGB": 3, "RGBA": 4][expected["mode"] as! String]!
        #expect(decoded.channels == channels)
        #expect(decoded.pixels == (expected["pixels"] as! [Int]).map(UInt8.init))
    }

    @Test func damagedFilesNameThePath() throws {
        let directory = TestScratch.path("decode")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for name in ["rgb.png", "rgb.jpg"] {
            let bytes = try Data(contentsOf: URL(fileURLWithPath: Self.imagesDirectory + "/" + name))
            let cut = directory + "/cut-" + name
            #expect(FileManager.default.createFile(atPath: cut, contents: bytes.prefix(bytes.count / 2)))
            #expect { try ImageDecoder.decode(path: cut) } throws: { "\($0)".contains(cut) }
        }
        let text = directory + "/notes.png"
        #expect(FileManager.default.createFile(atPath: text, contents: Data("hello".utf8)))
        #expect { try ImageDecoder.decode(path: text) } throws: { "\($0)".contains(text) && "\($0)".contains("signature") }
    }

    /// Headers that claim more pixels than `DataLimits.imagePixels` are refused before any
    /// pixel buffer exists: PNGs of 1,000,000² and 65,535² (IHDR rewritten with its CRC) and a JPEG of
    /// 60,000² (SOF rewritten; libjpeg-turbo itself stops at 65,500).
    @Test func headersClaimingHugeImagesAreRefused() throws {
        let directory = TestScratch.path("huge")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let original = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Self.imagesDirectory + "/rgb.jpg")))
        let jpeg = try #require(CraftedInputs.jpeg(original, claimingSide: 60_000))
        // The crafted PNG is valid when it claims what it holds: the huge ones fail on their size alone.
        let onePixel = directory + "/one.png"
        try Data(CraftedInputs.png(width: 1, height: 1)).write(to: URL(fileURLWithPath: onePixel))
        let decoded = try ImageDecoder.decode(path: onePixel)
        #expect(decoded.width == 1 && decoded.height == 1 && decoded.pixels == [0])
        for (name, bytes) in [("huge.png", CraftedInputs.png(width: 1_000_000, height: 1_000_000)),
                              ("65535.png", CraftedInputs.png(width: 65_535, height: 65_535)), ("huge.jpg", jpeg)] {
            let path = directory + "/" + name
            #expect(FileManager.default.createFile(atPath: path, contents: Data(bytes)))
            #expect { try ImageDecoder.decode(path: path) } throws: { "\($0)".contains(path) && "\($0)".contains("limit") }
        }
    }

    /// Without a requested channel count, a folder of grayscale files stays one channel (the
    /// gray values exactly) and one color file makes every image RGB; torchvision's
    /// train/val/test layout is recognised.
    @Test func grayFoldersStayGrayAndSplitFoldersAreFound() throws {
        let root = TestScratch.path("gray")
        for folder in ["train/a", "train/b", "test/a", "test/b"] {
            try FileManager.default.createDirectory(atPath: root + "/" + folder, withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: Self.imagesDirectory + "/gray.png", toPath: root + "/" + folder + "/x.png")
        }
        let gray = try ImageFolder.load(root: root + "/train")
        let decoded = try ImageDecoder.decode(path: Self.imagesDirectory + "/gray.png")
        #expect(gray.channels == 1 && gray.classCount == 2 && Array(gray.pixels.prefix(decoded.pixels.count)) == decoded.pixels)
        try FileManager.default.copyItem(atPath: Self.imagesDirectory + "/rgb.png", toPath: root + "/train/b/y.png")
        #expect(try ImageFolder.load(root: root + "/train", size: (8, 8)).channels == 3)
        let layout = try #require(ImageFolder.splitFolders(root: root))
        #expect(layout.train == root + "/train" && layout.test == root + "/test" && layout.validation == nil)
        try FileManager.default.createDirectory(atPath: root + "/valid", withIntermediateDirectories: true)
        #expect(ImageFolder.splitFolders(root: root)?.validation == root + "/valid")
        #expect(ImageFolder.splitFolders(root: root + "/train") == nil)
    }

    @Test func imageFolderLoadsClassesAndWarns() throws {
        let root = TestScratch.path("folder")
        for folder in ["cats", "dogs"] {
            try FileManager.default.createDirectory(atPath: root + "/" + folder, withIntermediateDirectories: true)
        }
        let source = Self.imagesDirectory
        try FileManager.default.copyItem(atPath: source + "/rgb.png", toPath: root + "/cats/a.png")
        try FileManager.default.copyItem(atPath: source + "/gray.jpg", toPath: root + "/dogs/b.jpg")
        try FileManager.default.copyItem(atPath: source + "/rgba.png", toPath: root + "/dogs/c.PNG")
        #expect(FileManager.default.createFile(atPath: root + "/dogs/readme.txt", contents: Data("x".utf8)))
        var warnings: [String] = []
        let data = try ImageFolder.load(root: root, channels: 3, warn: { warnings.append($0) })
        #expect(data.classNames == ["cats", "dogs"] && data.labels == [0, 1, 1] && data.height == 9 && data.width == 13)
        #expect(warnings.count == 1 && warnings[0].contains("readme.txt"))
        let gray = try ImageFolder.load(root: root, channels: 1, size: (height: 4, width: 5), warn: { _ in })
        #expect(gray.channels == 1 && gray.height == 4 && gray.count == 3)
        try FileManager.default.createDirectory(atPath: root + "/empty", withIntermediateDirectories: true)
        #expect { try ImageFolder.load(root: root, warn: { _ in }) } throws: { "\($0)".contains("/empty") }
    }

    /// Images directly in the root are one class, `unlabeled`; beside class folders they are
    /// skipped with a warning.
    @Test func folderWithoutClassesIsUnlabeled() throws {
        let root = TestScratch.path("unlabeled")
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        for name in ["1.png", "2.png", "3.jpg"] {
            try FileManager.default.copyItem(atPath: Self.imagesDirectory + (name.hasSuffix("jpg") ? "/rgb.jpg" : "/rgb.png"),
                                             toPath: root + "/" + name)
        }
        let data = try ImageFolder.load(root: root, channels: 3, size: (height: 8, width: 8), warn: { _ in })
        #expect(data.classNames == ["unlabeled"] && data.count == 3 && data.labels == [0, 0, 0])
        try FileManager.default.createDirectory(atPath: root + "/cats", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Self.imagesDirectory + "/rgb.png", toPath: root + "/cats/a.png")
        var warnings: [String] = []
        let labeled = try ImageFolder.load(root: root, channels: 3, warn: { warnings.append($0) })
        #expect(labeled.classNames == ["cats"] && labeled.count == 1 && warnings.count == 1 && warnings[0].contains("3 images outside"))
        let empty = TestScratch.path("empty")
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        #expect { try ImageFolder.load(root: empty, warn: { _ in }) } throws: { "\($0)".contains("no class sub-folders and no PNG") }
    }

    @Test func bilinearResizeMatchesHalfPixelCentres() {
        // 1x2 → 1x4: positions -0.25, 0.25, 0.75, 1.25 → clamp → 0, 0.25, 0.75, 1 of the way.
        let image = ImageBuffer(channels: 1, height: 1, width: 2, values: [0, 1])
        #expect(image.resized(height: 1, width: 4).values == [0, 0.25, 0.75, 1])
        let downsized = ImageBuffer(channels: 1, height: 1, width: 4, values: [0, 1, 2, 3]).resized(height: 1, width: 2)
        #expect(downsized.values == [0.5, 2.5])
    }
}
