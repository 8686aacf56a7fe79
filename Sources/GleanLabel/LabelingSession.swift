import Foundation
import Glean

/// A person's answers for an ordered list of images, kept on disk as they come: each label
/// copies the image into `<out>/<class>/` (the original is never moved or changed), then
/// rewrites `<out>/labels.csv` (`path,class`; an empty class is a skip), each through a temporary
/// file and a rename. A restart reads both back (an image copied just before a kill, whose row
/// was never written, counts as answered), so labeling continues where it stopped.
/// Thread-safe: the server's requests may come at once.
public final class LabelingSession: @unchecked Sendable {
    /// An answer: a class, or nil for a skip.
    public struct Answer: Equatable, Sendable {
        public let index: Int
        public let label: String?
    }

    /// What the page shows: the position, the next images and the counts.
    public struct State: Codable, Equatable, Sendable {
        /// The first image without an answer (`total` when all are answered).
        public let position: Int
        public let total: Int
        public let answered: Int
        public let skipped: Int
        public let classes: [String]
        /// Labels given so far, per class (in `classes`' order).
        public let counts: [Int]
        /// The image at `position` and the few after it without an answer (indices), for the page.
        public let upcoming: [Int]
        /// The file name of each image in `upcoming`.
        public let names: [String]
        /// The class of the last answer, for undo ("" for a skip; nil when there is none).
        public let last: String?
    }

    public let images: [String]
    public let classes: [String]
    public let out: String
    private let commonFolder: String
    private let lock = NSLock()
    /// Answers in the order they were given (undo takes the last).
    private var history: [Answer] = []
    private var answers: [Int: String?] = [:]

    /// The journal of answers inside `out`.
    public var journal: String { out + "/labels.csv" }

    /// Opens (or resumes) labeling `images` (standardised paths inside one folder) into `classes`
    /// in the folder `out`.
    public init(images: [String], classes: [String], out: String) throws {
        guard !images.isEmpty else { throw LabelingError("there are no images to label") }
        for name in classes {
            guard !name.isEmpty, name != ".", name != "..", !name.contains("/"), !name.hasPrefix("."),
                  !name.contains(where: { $0.isNewline || $0 == "," || $0 == "\"" }) else {
                throw LabelingError("--classes: '\(name)' cannot be a class name (a folder name without '/', ',', quotes or a leading '.')")
            }
        }
        guard classes.count >= 2 else { throw LabelingError("--classes: give at least two classes, comma-separated; got \(classes.count)") }
        guard Set(classes).count == classes.count else { throw LabelingError("--classes: a class is named twice in \(classes)") }
        self.images = images
        self.classes = classes
        commonFolder = Self.commonFolder(of: images)
        self.out = (out as NSString).standardizingPath
        do {
            for name in classes { try FileManager.default.createDirectory(atPath: self.out + "/" + name, withIntermediateDirectories: true) }
        } catch {
            throw LabelingError("--out \(out): cannot create the class folders: \(error.localizedDescription)")
        }
        try resume()
    }

    /// The name an image gets in its class folder: its path below the images' common folder,
    /// with `/` as `__`, so that two `a.png` of different sub-folders do not collide.
    public func storedName(_ index: Int) -> String {
        String(images[index].dropFirst(commonFolder.count + 1)).replacingOccurrences(of: "/", with: "__")
    }

    /// The deepest folder that holds every image.
    private static func commonFolder(of images: [String]) -> String {
        var parts = (images[0] as NSString).deletingLastPathComponent.split(separator: "/", omittingEmptySubsequences: false)
        for image in images.dropFirst() {
            let other = (image as NSString).deletingLastPathComponent.split(separator: "/", omittingEmptySubsequences: false)
            parts = Array(zip(parts, other).prefix { $0 == $1 }.map(\.0))
        }
        return parts.joined(separator: "/")
    }

    /// Where labeling stands now.
    public var state: State { lock.withLock { currentState() } }

    /// Records `label` (a class, or nil for a skip) for image `index`, replacing an earlier answer.
    @discardableResult
    public func answer(_ index: Int, label: String?) throws -> State {
        try lock.withLock {
            guard images.indices.contains(index) else { throw LabelingError("image \(index) does not exist (0..<\(images.count))") }
            if let label, !classes.contains(label) { throw LabelingError("'\(label)' is not one of the classes \(classes)") }
            if let earlier = answers[index] { try removeCopy(index, earlier) }
            if let label {
                let data: Data
                do { data = try Data(contentsOf: URL(fileURLWithPath: images[index])) } catch {
                    throw LabelingError("\(images[index]): cannot be read: \(error.localizedDescription)")
                }
                try AtomicFile.write(data, to: out + "/" + label + "/" + storedName(index))
            }
            history.removeAll { $0.index == index }
            history.append(Answer(index: index, label: label))
            answers[index] = .some(label)
            try writeJournal()
            return currentState()
        }
    }

    /// Takes back the last answer (its copy is deleted); the state when there is none.
    @discardableResult
    public func undo() throws -> State {
        try lock.withLock {
            guard let last = history.popLast() else { return currentState() }
            try removeCopy(last.index, last.label)
            answers[last.index] = nil
            try writeJournal()
            return currentState()
        }
    }

    private func removeCopy(_ index: Int, _ label: String?) throws {
        guard let label else { return }
        let path = out + "/" + label + "/" + storedName(index)
        if FileManager.default.fileExists(atPath: path) { try FileManager.default.removeItem(atPath: path) }
    }

    private func writeJournal() throws {
        let rows = history.map { CSVFields.line([images[$0.index], $0.label ?? ""]) }
        try AtomicFile.write(Data((["path,class"] + rows).joined(separator: "\n").appending("\n").utf8), to: journal)
    }

    /// Reads `labels.csv` and the class folders back: rows whose copy is gone are dropped, copies
    /// without a row are added.
    private func resume() throws {
        let indexOf = Dictionary(images.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        if let text = try? String(contentsOfFile: journal, encoding: .utf8) {
            for line in text.split(whereSeparator: \.isNewline).dropFirst() {
                guard let fields = CSVFields.split(line), fields.count == 2, let index = indexOf[fields[0]] else { continue }
                let label: String? = fields[1].isEmpty ? nil : fields[1]
                if let label {
                    guard classes.contains(label), FileManager.default.fileExists(atPath: out + "/" + label + "/" + storedName(index)) else { continue }
                }
                history.removeAll { $0.index == index }
                history.append(Answer(index: index, label: label))
                answers[index] = .some(label)
            }
        }
        for index in images.indices where answers[index] == nil {
            if let label = classes.first(where: { FileManager.default.fileExists(atPath: out + "/" + $0 + "/" + storedName(index)) }) {
                history.append(Answer(index: index, label: label))
                answers[index] = .some(label)
            }
        }
        try writeJournal()
    }

    private func currentState() -> State {
        let position = images.indices.first { answers[$0] == nil } ?? images.count
        let upcoming = Array(images.indices[position...].lazy.filter { self.answers[$0] == nil }.prefix(6))
        let labels = answers.values.compactMap { $0 }
        return State(position: position, total: images.count, answered: answers.count, skipped: answers.count - labels.count,
                     classes: classes, counts: classes.map { name in labels.filter { $0 == name }.count },
                     upcoming: upcoming, names: upcoming.map { (images[$0] as NSString).lastPathComponent },
                     last: history.last.map { $0.label ?? "" })
    }
}
