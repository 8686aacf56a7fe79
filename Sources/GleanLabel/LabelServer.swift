import Foundation
import Hummingbird
import Logging
import NIOCore

/// The labeling page's HTTP server (Hummingbird): the page, the state, the images by their
/// position in the order (no path ever reaches the file system, so `../` or an absolute path
/// finds no route: 404), answers and undo. Every request needs the session's token (query
/// `token` or header `X-Glean-Token`: else 403); a request body over `maximumBody` bytes gets 413
/// and a class that does not exist 400, each with nothing written.
public struct LabelServer: Sendable {
    public let session: LabelingSession
    public let token: String
    public let host: String
    public let port: Int
    /// The largest request body read (an answer is a few dozen bytes).
    public static let maximumBody = 64 * 1024

    /// A server for `session` on `host:port` (port 0: any free port) with a fresh random token.
    public init(session: LabelingSession, host: String = "127.0.0.1", port: Int = 8765, token: String? = nil) {
        self.session = session
        self.host = host
        self.port = port
        var generator = SystemRandomNumberGenerator()
        self.token = token ?? (0..<16).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
    }

    /// What the user opens: `http://host:port/?token=…`.
    public func address(port bound: Int) -> String { "http://\(host):\(bound)/?token=\(token)" }

    /// Serves until the task is cancelled or the process is stopped; `onRunning` gets the port
    /// the server listens on.
    public func run(onRunning: @escaping @Sendable (Int) async -> Void) async throws {
        let app = Application(router: router(), configuration: .init(address: .hostname(host, port: port), serverName: "glean-label"),
                              onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? port) },
                              logger: {
                                  var logger = Logger(label: "glean-label")
                                  logger.logLevel = .error
                                  return logger
                              }())
        do {
            try await app.runService()
        } catch let error as IOError where error.errnoCode == EADDRINUSE {
            throw LabelingError("\(host):\(port) is in use (another glean label?): choose another --port, or 0 for any free one")
        }
    }

    struct AnswerBody: Decodable {
        let index: Int
        let `class`: String?
    }

    func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.add(middleware: TokenCheck(token: token))
        let session = self.session
        router.get("/") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
                     body: .init(byteBuffer: ByteBuffer(string: LabelPage.html)))
        }
        router.get("/api/state") { _, _ in try Self.json(session.state) }
        router.get("/api/image/:index") { _, context in
            guard let index = context.parameters.get("index", as: Int.self), session.images.indices.contains(index) else {
                throw HTTPError(.notFound)
            }
            let path = session.images[index]
            guard let data = FileManager.default.contents(atPath: path) else { throw HTTPError(.notFound) }
            let type = ["png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg"][(path as NSString).pathExtension.lowercased()]
                ?? "application/octet-stream"
            return Response(status: .ok, headers: [.contentType: type, .cacheControl: "private, max-age=3600"],
                            body: .init(byteBuffer: ByteBuffer(bytes: data)))
        }
        router.post("/api/answer") { request, _ in
            var request = request
            let body = try await request.collectBody(upTo: Self.maximumBody)
            guard let answer = try? JSONDecoder().decode(AnswerBody.self, from: Data(buffer: body)) else {
                throw HTTPError(.badRequest, message: "expected {\"index\": n, \"class\": \"name\" or null}")
            }
            do {
                return try Self.json(try session.answer(answer.index, label: answer.class))
            } catch let error as LabelingError {
                throw HTTPError(.badRequest, message: error.message)
            }
        }
        router.post("/api/undo") { request, _ in
            var request = request
            _ = try await request.collectBody(upTo: Self.maximumBody)
            return try Self.json(try session.undo())
        }
        return router
    }

    static func json(_ state: LabelingSession.State) throws -> Response {
        Response(status: .ok, headers: [.contentType: "application/json", .cacheControl: "no-store"],
                 body: .init(byteBuffer: ByteBuffer(bytes: try JSONEncoder().encode(state))))
    }
}

/// Refuses (403) every request without the session's token.
struct TokenCheck<Context: RequestContext>: RouterMiddleware {
    let token: String

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let given = request.uri.queryParameters.get("token")
            ?? request.headers.first { $0.name.canonicalName == "x-glean-token" }?.value
        guard given == token else { throw HTTPError(.forbidden, message: "missing or wrong token: open the address glean label printed") }
        return try await next(request, context)
    }
}
