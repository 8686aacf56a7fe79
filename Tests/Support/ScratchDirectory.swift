import Foundation

/// A fresh temporary folder for tests that write files.
public struct ScratchDirectory {
    public let path: String

    public init(_ label: String) {
        path = TestScratch.folder(label)
    }

    /// Writes `bytes` to `name` inside the folder and returns the file's path.
    public func write(_ name: String, _ bytes: [UInt8]) -> String {
        let file = path + "/" + name
        precondition(FileManager.default.createFile(atPath: file, contents: Data(bytes)), "could not write the test file \(file)")
        return file
    }
}
