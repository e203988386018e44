import Foundation
import Geometry
import Logging
import Reloc
@testable import RelocServer
import XCTest
import _TestSupport

/// `reloc serve`'s server, started in this process on an ephemeral port and spoken to over real
/// HTTP by a socket client of its own (`HTTPTestClient`): poses, each error status, concurrency,
/// shutdown with a request in flight, and malformed requests.
final class LocalizationServerTests: XCTestCase {
    /// A running server and the task that runs it.
    final class Running: @unchecked Sendable {
        let server: LocalizationServer
        let port: Int
        let task: Task<Void, any Error>

        init(server: LocalizationServer, port: Int, task: Task<Void, any Error>) {
            self.server = server; self.port = port; self.task = task
        }

        /// Triggers the graceful shutdown and waits for `run` to return.
        func stop() throws {
            let done = DispatchSemaphore(value: 0)
            let failure = LockedBox<(any Error)?>(nil)
            let (server, task) = (server, task)
            Task {
                await server.shutdown()
                do { try await task.value } catch { failure.value = error }
                done.signal()
            }
            guard done.wait(timeout: .now() + 30) == .success else { throw HTTPTestClient.Failure("the server did not stop within 30 s") }
            if let error = failure.value { throw error }
        }

        func post(_ query: String, body: [UInt8], headers: [String: String] = [:]) throws -> HTTPTestResponse {
            try HTTPTestClient.request(port: port, method: "POST", path: "/v1/localize?" + query, headers: headers, body: body)
        }

        func get(_ path: String, headers: [String: String] = [:]) throws -> HTTPTestResponse {
            try HTTPTestClient.request(port: port, path: path, headers: headers)
        }
    }

    func start(_ configure: (inout ServeOptions) -> Void = { _ in }) throws -> Running {
        var options = ServeOptions()
        options.port = 0
        options.workers = 2
        configure(&options)
        var logger = Logger(label: "reloc.serve.test")
        logger.logLevel = .warning
        let server = try LocalizationServer(service: LocalizationService(map: try ServedTinyMap.fixture().map), options: options, logger: logger)
        let port = LockedBox(0)
        let task = Task { try await server.run(signals: []) { port.value = $0 } }
        let deadline = Date().addingTimeInterval(30)
        while port.value == 0 && Date() < deadline { usleep(10_000) }
        guard port.value > 0 else { task.cancel(); throw HTTPTestClient.Failure("the server did not start within 30 s") }
        return Running(server: server, port: port.value, task: task)
    }

    static func query(_ name: String, _ camera: String) -> String {
        "camera=\(HTTPTestClient.formEncode(camera))&name=\(HTTPTestClient.formEncode(name))"
    }

    /// Every query of the tiny preset gets, over HTTP, the pose `reloc localize` wrote for it in
    /// the pipeline's results.txt, to the last digit.
    func testServedPosesAreThoseOfRelocLocalize() throws {
        let fixture = try ServedTinyMap.fixture()
        let running = try start()
        defer { XCTAssertNoThrow(try running.stop()) }
        var localized = 0
        for q in fixture.queries {
            let response = try running.post(Self.query(q.name, q.camera), body: try fixture.imageBytes(q.name))
            XCTAssertEqual(response.status, 200, response.text)
            XCTAssertEqual(response.headers["content-type"], "application/json")
            let json = try response.json()
            XCTAssertEqual(json["cam_from_world"] as? String, q.pose, q.name)
            XCTAssertEqual(json["name"] as? String, q.name)
            XCTAssertEqual((json["retrieved"] as? [String])?.count, min(20, fixture.map.summary.databaseImages), q.name)
            XCTAssertNotNil(json["timing_ms"] as? [String: Double])
            if json["localized"] as? Bool == true {
                localized += 1
                XCTAssertTrue(json["fallback"] is NSNull, q.name)
                XCTAssertGreaterThanOrEqual(json["inliers"] as? Int ?? 0, 6)
            } else {
                XCTAssertNotNil(json["fallback"] as? String, q.name)
            }
        }
        XCTAssertGreaterThan(localized, 0)
        // The camera given with spaces percent-encoded reads the same as with '+'.
        let q = fixture.queries[0]
        let encoded = "camera=" + q.camera.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
        XCTAssertEqual(try running.post(encoded + "&name=" + q.name, body: try fixture.imageBytes(q.name)).json()["cam_from_world"] as? String, q.pose)

        let health = try running.get("/healthz")
        XCTAssertEqual(health.status, 200)
        XCTAssertEqual(try health.json()["status"] as? String, "ok")
        let map = try running.get("/v1/map").json()
        XCTAssertEqual(map["images"] as? Int, fixture.map.summary.images)
        XCTAssertGreaterThan(map["points"] as? Int ?? 0, 100)
        XCTAssertEqual(map["retrieval"] as? String, "vlad")
        XCTAssertEqual(map["matcher"] as? String, "NN-mutual-ratio0.8")
        XCTAssertEqual(map["top_k"] as? Int, 20)
        let metrics = try running.get("/metrics")
        XCTAssertEqual(metrics.status, 200)
        XCTAssertTrue(metrics.headers["content-type"]?.hasPrefix("text/plain") == true)
        XCTAssertTrue(metrics.text.contains("reloc_requests_total{outcome=\"localized\"} \(localized + 1)"), metrics.text)
        XCTAssertTrue(metrics.text.contains("reloc_localize_duration_seconds_count \(fixture.queries.count + 1)"), metrics.text)
        XCTAssertTrue(metrics.text.contains("reloc_queue_depth 0"), metrics.text)
    }

    /// Each kind of bad request gets its status and a message that names the problem.
    func testBadRequestsGetTheirStatusAndAMessage() throws {
        let fixture = try ServedTinyMap.fixture()
        let running = try start { $0.maxBodyBytes = 200_000 }
        defer { XCTAssertNoThrow(try running.stop()) }
        let q = fixture.queries[0]
        let image = try fixture.imageBytes(q.name)
        func expect(_ response: HTTPTestResponse, _ status: Int, _ words: String, line: UInt = #line) {
            XCTAssertEqual(response.status, status, response.text, line: line)
            let message = (try? response.json())?["error"] as? String ?? ""
            XCTAssertTrue(message.contains(words), "'\(message)' does not say '\(words)'", line: line)
        }
        expect(try running.post(Self.query(q.name, q.camera), body: Array("not an image".utf8)), 400, "not a JPEG, PNG")
        expect(try running.post(Self.query(q.name, q.camera), body: Array(image.prefix(image.count / 3))), 400, "the body")
        expect(try running.post(Self.query(q.name, "FISHEYE 480 360 400"), body: image), 400, "unknown camera model 'FISHEYE'")
        expect(try running.post(Self.query(q.name, "PINHOLE 480 360 400"), body: image), 400, "camera")
        expect(try running.post("name=a.jpg", body: image), 400, "missing query parameter 'camera'")
        expect(try running.post(Self.query(q.name, q.camera), body: []), 400, "empty body")
        expect(try running.post(Self.query(q.name, q.camera) + "&focal=3", body: image), 400, "unknown query parameter 'focal'")
        expect(try running.post(Self.query("../../etc/passwd", q.camera), body: image), 400, "name")
        expect(try running.post("camera=%ZZ", body: image), 400, "percent-encoding")
        let large = [UInt8](repeating: 0xFF, count: 300_000)
        expect(try running.post(Self.query(q.name, q.camera), body: large), 413, "limit of 200000")
        expect(try HTTPTestClient.request(port: running.port, method: "POST", path: "/v1/localize?" + Self.query(q.name, q.camera),
                                          body: large, chunked: true), 413, "limit of 200000")
        expect(try running.get("/v1/nothing"), 404, "Not Found")
        // The server still answers, and right.
        XCTAssertEqual(try running.post(Self.query(q.name, q.camera), body: image).json()["cam_from_world"] as? String, q.pose)
        let metrics = try running.get("/metrics").text
        XCTAssertTrue(metrics.contains("reloc_requests_total{outcome=\"bad_request\"} 9"), metrics)
        XCTAssertTrue(metrics.contains("reloc_requests_total{outcome=\"too_large\"} 2"), metrics)
    }

    /// A localization that cannot be answered within the time limit gets 504.
    func testTimeLimitGives504() throws {
        let fixture = try ServedTinyMap.fixture()
        let running = try start { $0.timeoutSeconds = 0.000_001 }
        defer { XCTAssertNoThrow(try running.stop()) }
        let q = fixture.queries[0]
        let response = try running.post(Self.query(q.name, q.camera), body: try fixture.imageBytes(q.name))
        XCTAssertEqual(response.status, 504, response.text)
        XCTAssertTrue(response.text.contains("not localized within"), response.text)
    }

    /// With a token file's token, requests without it (or with another) get 401 before any work;
    /// only the health check answers without it.
    func testBearerTokenIsRequired() throws {
        let fixture = try ServedTinyMap.fixture()
        let running = try start { $0.token = "s3cret-token" }
        defer { XCTAssertNoThrow(try running.stop()) }
        let q = fixture.queries[0]
        let image = try fixture.imageBytes(q.name)
        for headers in [[:], ["Authorization": "Bearer wrong-token!"], ["Authorization": "Basic s3cret-token"], ["Authorization": "Bearer s3cret-tokenX"]] {
            let response = try running.post(Self.query(q.name, q.camera), body: image, headers: headers)
            XCTAssertEqual(response.status, 401, "\(headers): \(response.text)")
            XCTAssertEqual(response.headers["www-authenticate"], "Bearer")
            XCTAssertEqual(try running.get("/v1/map", headers: headers).status, 401)
            XCTAssertEqual(try running.get("/metrics", headers: headers).status, 401)
            // Health checks (Kubernetes probes) carry no token.
            XCTAssertEqual(try running.get("/healthz", headers: headers).status, 200)
        }
        let good = ["Authorization": "Bearer s3cret-token"]
        XCTAssertEqual(try running.post(Self.query(q.name, q.camera), body: image, headers: good).json()["cam_from_world"] as? String, q.pose)
        XCTAssertEqual(try running.get("/v1/map", headers: good).status, 200)
        XCTAssertEqual(try running.get("/healthz", headers: good).status, 200)
    }

    /// Several clients at once: every answer right, whatever the interleaving.
    func testConcurrentRequestsGetTheirOwnPoses() throws {
        let fixture = try ServedTinyMap.fixture()
        let running = try start { $0.workers = 2; $0.queue = 16 }
        defer { XCTAssertNoThrow(try running.stop()) }
        let queries = fixture.queries
        let answers = LockedBox([String?](repeating: nil, count: queries.count * 2))
        let images = try queries.map { try fixture.imageBytes($0.name) }
        DispatchQueue.concurrentPerform(iterations: queries.count * 2) { i in
            let q = queries[i % queries.count]
            let pose = (try? running.post(Self.query(q.name, q.camera), body: images[i % queries.count]).json())?["cam_from_world"] as? String
            answers.update { $0[i] = pose }
        }
        for (i, pose) in answers.value.enumerated() {
            XCTAssertEqual(pose, queries[i % queries.count].pose, queries[i % queries.count].name)
        }
    }

    /// One worker and no queue: requests beyond the one being computed get 503 with Retry-After.
    func testFullQueueGives503WithRetryAfter() throws {
        let fixture = try ServedTinyMap.fixture()
        let running = try start { $0.workers = 1; $0.queue = 0 }
        defer { XCTAssertNoThrow(try running.stop()) }
        let q = fixture.queries[0]
        let image = try fixture.imageBytes(q.name)
        let statuses = LockedBox<[(Int, String?)]>([])
        DispatchQueue.concurrentPerform(iterations: 6) { _ in
            guard let response = try? running.post(Self.query(q.name, q.camera), body: image) else { return }
            statuses.update { $0.append((response.status, response.headers["retry-after"])) }
        }
        let got = statuses.value
        XCTAssertEqual(got.count, 6)
        XCTAssertTrue(got.contains { $0.0 == 200 }, "\(got)")
        XCTAssertTrue(got.contains { $0.0 == 503 }, "\(got)")
        for (status, retry) in got where status == 503 { XCTAssertGreaterThanOrEqual(Int(retry ?? "") ?? 0, 1) }
        XCTAssertTrue(got.allSatisfy { $0.0 == 200 || $0.0 == 503 }, "\(got)")
    }

    /// Shutdown while a request is being computed: that request is still answered, then `run` returns.
    func testShutdownAnswersTheRequestInFlight() throws {
        let fixture = try ServedTinyMap.fixture()
        let running = try start { $0.workers = 1 }
        let q = fixture.queries[0]
        let image = try fixture.imageBytes(q.name)
        let answer = LockedBox<HTTPTestResponse?>(nil)
        let finished = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            answer.value = try? running.post(Self.query(q.name, q.camera), body: image)
            finished.signal()
        }
        let deadline = Date().addingTimeInterval(20)
        while running.server.queue.inFlight == 0 && Date() < deadline { usleep(1000) }
        XCTAssertEqual(running.server.queue.inFlight, 1, "the request never started")
        try running.stop()
        XCTAssertEqual(finished.wait(timeout: .now() + 30), .success)
        XCTAssertEqual(answer.value?.status, 200)
        XCTAssertEqual((try answer.value?.json())?["cam_from_world"] as? String, q.pose)
        XCTAssertThrowsError(try running.get("/healthz"), "the server still accepts connections after shutting down")
    }

    /// Seeded malformed traffic — random bodies, query strings, headers and raw bytes — never
    /// brings the server down: each gets a 4xx (or the connection closed), and afterwards it
    /// still localizes right.
    func testMalformedAndFuzzedRequestsNeverCrashTheServer() throws {
        let fixture = try ServedTinyMap.fixture()
        let running = try start { $0.maxBodyBytes = 100_000 }
        defer { XCTAssertNoThrow(try running.stop()) }
        let q = fixture.queries[0]
        let image = try fixture.imageBytes(q.name)
        var rng = SeededGenerator(seed: 21)
        func randomBytes(_ count: Int) -> [UInt8] { (0..<count).map { _ in UInt8.random(in: 0...255, using: &rng) } }
        let camera = HTTPTestClient.formEncode(q.camera)
        for round in 0..<60 {
            var body = image
            switch round % 6 {
            case 0: body = randomBytes(Int.random(in: 1...5000, using: &rng))
            case 1:  // a JPEG with bytes flipped in its entropy-coded data
                for _ in 0..<20 { body[Int.random(in: 600..<body.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng) }
            case 2: body = Array(image.prefix(Int.random(in: 2..<image.count, using: &rng)))
            case 3: body = [0xFF, 0xD8] + randomBytes(2000)
            case 4: body = [0x89, 0x50, 0x4E, 0x47] + randomBytes(2000)
            default: break
            }
            let junk = String(decoding: randomBytes(12).map { 33 + $0 % 90 }, as: UTF8.self)
            let path = round % 6 == 5 ? "/v1/localize?camera=\(junk.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)"
                                      : "/v1/localize?camera=\(camera)"
            let response = try HTTPTestClient.request(port: running.port, method: "POST", path: path, body: body)
            // A damaged JPEG may still decode (and localize or fall back): 200 is fine, a crash is not.
            XCTAssertTrue([200, 400].contains(response.status), "round \(round): \(response.status) \(response.text)")
        }
        for round in 0..<40 {
            let raw: [UInt8]
            switch round % 4 {
            case 0: raw = randomBytes(Int.random(in: 1...3000, using: &rng))
            case 1: raw = Array("POST /v1/localize?camera=\(camera) HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n".utf8)
            case 2: raw = Array("POST /v1/localize HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nZZZ\r\n".utf8) + randomBytes(100)
            default: raw = Array("GET /\(String(repeating: "a", count: 10_000)) HTTP/1.1\r\n".utf8) + randomBytes(50) + Array("\r\n\r\n".utf8)
            }
            let answer = try HTTPTestClient.exchange(port: running.port, bytes: raw, timeout: 10)
            if let response = try? HTTPTestClient.parse(answer) {
                XCTAssertTrue((400..<500).contains(response.status), "raw round \(round): \(response.status)")
            }
        }
        XCTAssertEqual(try running.get("/healthz").status, 200)
        XCTAssertEqual(try running.post(Self.query(q.name, q.camera), body: image).json()["cam_from_world"] as? String, q.pose)
    }
}
