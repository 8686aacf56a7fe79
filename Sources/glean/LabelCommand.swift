import ArgumentParser
import Foundation
import GleanLabel

/// `glean label`: a local web page to label images fast, written into an ImageFolder as it goes.
struct LabelCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "label",
        abstract: "Label images in the browser: a local page, one image at a time, answers written at once into <out>/<class>/.",
        discussion: "Open the printed address (it holds the session's token). Keys: 1-9, 0, then letters for the classes, s to skip, "
            + "u or Backspace to undo. Each label copies the image into <out>/<class>/ (the original is never moved or changed) and "
            + "rewrites <out>/labels.csv (path,class; an empty class is a skip); stopping and starting again continues where it stopped.")

    @Option(help: "Folder of the images to label (only its images are served).") var images: String
    @Option(help: "CSV whose 'path' (or 'file') column orders the images, e.g. glean select's selection.csv or glean check-labels' label_issues.csv (default: every image of --images by name).")
    var order: String?
    @Option(help: "Class names, comma-separated (at least two).") var classes: String
    @Option(help: "Folder of the labeled images (<out>/<class>/) and labels.csv.") var out: String
    @Option(help: "Address to listen on (127.0.0.1: this machine only).") var host = "127.0.0.1"
    @Option(help: "Port (0: any free port).") var port = 8765

    func run() async throws {
        let session: LabelingSession
        do {
            let paths = try LabelOrder.load(root: images, order: order)
            session = try LabelingSession(images: paths, classes: classes.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) },
                                          out: out)
        } catch let error as LabelingError {
            throw ValidationError(error.message)
        }
        let server = LabelServer(session: session, host: host, port: port)
        let state = session.state
        do {
            try await server.run { bound in
                print("glean label: \(state.total) images, \(state.answered) answered so far; labels go to \(session.out) (labels.csv)")
                print("open \(server.address(port: bound))")
                fflush(stdout)
            }
        } catch let error as LabelingError {
            throw ValidationError(error.message)
        }
    }
}
