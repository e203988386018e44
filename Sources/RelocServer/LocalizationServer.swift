import Dispatch
import Foundation
import Hummingbird
import Logging
import Reloc
import ServiceLifecycle
import UnixSignals

/// `reloc serve`: a `LocalizationService` behind HTTP (Hummingbird 2).
///
///     POST /v1/localize?camera=MODEL+W+H+PARAMS...[&name=NAME]   body: the image's bytes
///     POST /v1/localize/features?camera=...[&name=NAME]           body: features (`FeatureRequestBody`)
///     GET  /healthz      GET /v1/map      GET /metrics
///
/// Localizations run on `WorkQueue`'s workers; at most `queue` wait (503 with Retry-After
/// beyond), each is answered within `timeoutSeconds` (504 after). The server shuts down
/// gracefully on SIGTERM or SIGINT (or `shutdown()`): it stops accepting connections, answers
/// the requests it holds, and `run` returns. Nothing a request sends reaches the file system.
public final class LocalizationServer: Sendable {
    public let service: LocalizationService
    public let options: ServeOptions
    let logger: Logger
    let metrics = ServerMetrics()
    let queue: WorkQueue
    private let group = LockedBox<ServiceGroup?>(nil)
    /// Seconds per localization lately (for Retry-After), a moving average.
    private let recentSeconds = LockedBox<Double>(0.5)

    public init(service: LocalizationService, options: ServeOptions, logger: Logger) throws {
        try options.validate()
        self.service = service
        self.options = options
        self.logger = logger
        queue = WorkQueue(workers: options.workers, capacity: options.queue)
    }

    /// Serves until a signal in `signals` arrives or `shutdown()` is called.
    /// - Parameter onRunning: called with the bound port once the server accepts connections.
    /// - Throws: `ServeError.start` when the server cannot bind or fails.
    public func run(signals: [UnixSignal] = [.sigterm, .sigint], onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        let router = Router(context: ServeContext.self)
        router.add(middleware: RequestLogMiddleware(logger: logger, metrics: metrics))
        if let token = options.token { router.add(middleware: BearerTokenMiddleware(token: token)) }
        router.get("/healthz") { _, _ in jsonResponse(Data(#"{"status":"ok"}"#.utf8)) }
        router.get("/v1/map") { [service] _, _ in
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            return jsonResponse(try encoder.encode(service.map.summary))
        }
        router.get("/metrics") { [metrics, queue] _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                     body: .init(byteBuffer: ByteBuffer(bytes: metrics.render(queue: queue))))
        }
        router.post("/v1/localize") { [self] request, context in try await localize(request, context: context, features: false) }
        router.post("/v1/localize/features") { [self] request, context in try await localize(request, context: context, features: true) }
        // Another method on a known path: 405 with the allowed one, not 404.
        let routes: [(String, HTTPRequest.Method)] = [("/healthz", .get), ("/v1/map", .get), ("/metrics", .get), ("/v1/localize", .post),
                                                      ("/v1/localize/features", .post)]
        for (path, allowed) in routes {
            for method in [HTTPRequest.Method.get, .post, .put, .delete, .patch, .options, .trace] where method != allowed {
                router.on(RouterPath(path), method: method) { _, _ in
                    jsonError(.methodNotAllowed, message: "\(path) takes \(allowed.rawValue) only", headers: [.allow: allowed.rawValue])
                }
            }
        }

        let app = Application(router: router, configuration: .init(address: .hostname(options.host, port: options.port), serverName: "reloc"),
                              onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? 0) }, logger: logger)
        let serviceGroup = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: signals, logger: logger))
        group.value = serviceGroup
        defer { queue.shutdown() }
        do { try await serviceGroup.run() } catch {
            throw ServeError.start("the server stopped: \(error)")
        }
    }

    /// Starts the graceful shutdown (as SIGTERM does).
    public func shutdown() async {
        await group.value?.triggerGracefulShutdown()
    }

    // MARK: POST /v1/localize, /v1/localize/features

    /// - Parameter features: the body is features (`FeatureRequestBody`), not an image file.
    func localize(_ request: Request, context: ServeContext, features: Bool) async throws -> Response {
        let arrival = ContinuousClock.now
        let deadline = DispatchTime.now() + options.timeoutSeconds
        let parsed: LocalizationRequest
        do {
            parsed = try await parse(request)
        } catch let error as BadRequest {
            context.report.outcome = .badRequest
            return jsonError(.badRequest, message: error.message)
        } catch let error as BodyTooLarge {
            context.report.outcome = .tooLarge
            return jsonError(.contentTooLarge, message: "the body has \(error.bytes.map { "\($0) bytes" } ?? "more bytes") than the limit of \(options.maxBodyBytes) (--max-body-mb)")
        }
        context.report.fields = ["name": parsed.name, "bytes": "\(parsed.image.count)"]
        let answer: LocalizationAnswer
        do {
            answer = try await queue.submit(deadline: deadline) { [service] in
                guard features else { return try service.localize(parsed) }
                let decoded: ImageFeatures
                do { decoded = try FeatureRequestBody.decode(parsed.image) } catch { throw RelocError.invalidArgument("\(error)") }
                return try service.localize(features: decoded, camera: parsed.camera, name: parsed.name)
            }
        } catch WorkQueue.Refusal.full {
            context.report.outcome = .busy
            let retry = max(1, Int((recentSeconds.value * Double(options.queue + 1) / Double(options.workers)).rounded(.up)))
            return jsonError(.serviceUnavailable, message: "busy: \(options.workers) localizing, \(options.queue) waiting (--queue); retry later",
                             headers: [.retryAfter: "\(min(retry, 120))"])
        } catch WorkQueue.Refusal.timedOut {
            context.report.outcome = .timeout
            return jsonError(.gatewayTimeout, message: "not localized within \(options.timeoutSeconds) s")
        } catch WorkQueue.Refusal.closed {
            context.report.outcome = .busy
            return jsonError(.serviceUnavailable, message: "shutting down", headers: [.retryAfter: "5"])
        } catch let error as RelocError {
            switch error {
            case .invalidArgument, .invalidOption:
                context.report.outcome = .badRequest
                return jsonError(.badRequest, message: error.description)
            default: throw error
            }
        }
        let seconds = (ContinuousClock.now - arrival) / .seconds(1)
        metrics.observeLocalize(seconds: seconds)
        recentSeconds.update { $0 = 0.9 * $0 + 0.1 * answer.timingMs.total / 1000 }
        context.report.outcome = answer.localized ? .localized : .fallback
        context.report.fields = ["name": answer.name, "bytes": "\(parsed.image.count)", "inliers": "\(answer.inliers)",
                                 "localized": "\(answer.localized)", "compute_ms": String(format: "%.1f", answer.timingMs.total)]
        return jsonResponse(try answer.json())
    }

    struct BodyTooLarge: Error { let bytes: Int? }

    static func camera(_ text: String) throws -> LocalizationRequest.CameraValue {
        do { return try LocalizationService.camera(parsing: text) } catch let error as RelocError {
            throw BadRequest(error.description)
        }
    }

    /// The request's camera, name and image, or what is wrong with them.
    func parse(_ request: Request) async throws -> LocalizationRequest {
        let parameters = try QueryParameters(request.uri.query)
        try parameters.check(known: ["camera", "name"])
        guard let cameraText = parameters["camera"] else {
            throw BadRequest("missing query parameter 'camera', the query lists' syntax without the name, e.g. camera=SIMPLE_RADIAL 1600 1200 1469.2 800 600 -0.01")
        }
        let camera = try Self.camera(cameraText)
        let name = parameters["name"] ?? "query.jpg"
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > options.maxBodyBytes {
            throw BodyTooLarge(bytes: length)
        }
        var body: [UInt8] = []
        for try await chunk in request.body {
            guard body.count + chunk.readableBytes <= options.maxBodyBytes else { throw BodyTooLarge(bytes: nil) }
            body.append(contentsOf: chunk.readableBytesView)
        }
        guard !body.isEmpty else { throw BadRequest("empty body: POST the image file's bytes (JPEG or PNG), or to /v1/localize/features the features") }
        return LocalizationRequest(image: body, camera: camera, name: name)
    }
}

/// A value behind a lock.
final class LockedBox<T>: @unchecked Sendable {
    private var stored: T
    private let lock = NSLock()

    init(_ value: T) { stored = value }

    var value: T {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }

    func update(_ body: (inout T) -> Void) { lock.withLock { body(&stored) } }
}
