import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import GleanLabel
import GleanTestSupport
import Testing

/// The server in this process on a free port, through HTTP: the token, the images only by
/// their position, answers and undo, and the refusals that write nothing.
@Suite struct LabelServerTests {
    struct Client {
        let base: String, token: String

        func request(_ path: String, method: String = "GET", body: Data? = nil, token: String?? = nil) async throws -> (Int, Data) {
            let given = token ?? self.token
            var request = URLRequest(url: URL(string: base + path + (given.map { "?token=" + $0 } ?? ""))!)
            request.httpMethod = method
            request.httpBody = body
            let (data, response) = try await URLSession.shared.data(for: request)
            return ((response as! HTTPURLResponse).statusCode, data)
        }

        func answer(_ index: Int, _ label: String?) async throws -> Int {
            let body = try JSONSerialization.data(withJSONObject: ["index": index, "class": label as Any? ?? NSNull()])
            return try await request("/api/answer", method: "POST", body: body).0
        }
    }

    @Test func servesThePageAndRecordsAnswersWithTheToken() async throws {
        let (pile, out) = try makePile("server")
        let session = try LabelingSession(images: try LabelOrder.load(root: pile, order: nil), classes: ["cat", "dog"], out: out)
        let server = LabelServer(session: session, port: 0)
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let running = Task { try await server.run { continuation.yield($0) } }
        defer { running.cancel() }
        var iterator = ports.makeAsyncIterator()
        let port = try #require(await iterator.next())
        let client = Client(base: "http://127.0.0.1:\(port)", token: server.token)

        let (status, page) = try await client.request("/")
        #expect(status == 200 && String(decoding: page, as: UTF8.self).contains("glean label"))
        #expect(try await client.request("/api/image/1").1 == FileManager.default.contents(atPath: pile + "/b.png"))
        #expect(try await client.answer(0, "dog") == 200)
        #expect(try await client.answer(1, nil) == 200)
        let state = try JSONDecoder().decode(LabelingSession.State.self, from: try await client.request("/api/state").1)
        #expect(state.position == 2 && state.counts == [0, 1] && state.skipped == 1)
        #expect(try await client.request("/api/undo", method: "POST").0 == 200)
        #expect(session.state.answered == 1)

        // Refused, and nothing written: no or a wrong token, paths, a class that does not exist, 10 MB.
        let before = try FileManager.default.subpathsOfDirectory(atPath: out).sorted()
        let journal = try String(contentsOfFile: out + "/labels.csv", encoding: .utf8)
        #expect(try await client.request("/api/state", token: .some(nil)).0 == 403)
        #expect(try await client.request("/api/state", token: "wrong").0 == 403)
        let answer = try JSONSerialization.data(withJSONObject: ["index": 2, "class": "cat"])
        #expect(try await client.request("/api/answer", method: "POST", body: answer, token: "wrong").0 == 403)
        #expect(try await client.request("/api/image/../../etc/passwd").0 == 404)
        #expect(try await client.request("/api/image/%2Fetc%2Fpasswd").0 == 404)
        #expect(try await client.request("/etc/passwd").0 == 404)
        #expect(try await client.request("/api/image/7").0 == 404)
        #expect(try await client.answer(2, "bird") == 400)
        #expect(try await client.request("/api/answer", method: "POST", body: Data(count: 10 << 20)).0 == 413)
        #expect(try FileManager.default.subpathsOfDirectory(atPath: out).sorted() == before)
        #expect(try String(contentsOfFile: out + "/labels.csv", encoding: .utf8) == journal)
    }

    /// A port in use is refused with a sentence that names it and the way out.
    @Test func aPortInUseIsNamed() async throws {
        let (pile, out) = try makePile("server-port")
        let session = try LabelingSession(images: try LabelOrder.load(root: pile, order: nil), classes: ["cat", "dog"], out: out)
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let running = Task { try await LabelServer(session: session, port: 0).run { continuation.yield($0) } }
        defer { running.cancel() }
        var iterator = ports.makeAsyncIterator()
        let port = try #require(await iterator.next())
        await #expect { try await LabelServer(session: session, port: port).run { _ in } } throws: {
            "\($0)".contains("127.0.0.1:\(port) is in use") && "\($0)".contains("--port")
        }
    }
}
