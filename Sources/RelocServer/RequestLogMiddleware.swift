import Foundation
import Hummingbird
import Logging

/// Outermost middleware: answers every error as JSON (`{"error": ...}`) with its status,
/// counts the request by outcome and writes one structured log line per request (method, path,
/// status, outcome, milliseconds and what the route added: name, inliers, ...).
struct RequestLogMiddleware: RouterMiddleware {
    typealias Context = ServeContext
    let logger: Logger
    let metrics: ServerMetrics

    func handle(_ request: Request, context: ServeContext, next: (Request, ServeContext) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as HTTPResponseError {
            response = jsonError(error.status, message: (error as? HTTPError)?.body ?? error.status.reasonPhrase)
        } catch {
            logger.error("unexpected error", metadata: ["error": "\(error)"])
            response = jsonError(.internalServerError, message: "internal error")
        }
        let outcome = context.report.outcome ?? Self.outcome(of: response.status)
        metrics.count(outcome)
        let elapsed = ContinuousClock.now - start
        var metadata: Logger.Metadata = [
            "method": "\(request.method)", "path": "\(request.uri.path)", "status": "\(response.status.code)",
            "outcome": "\(outcome.rawValue)",
            "ms": "\(String(format: "%.1f", Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15))",
        ]
        for (key, value) in context.report.fields { metadata[key] = "\(value)" }
        logger.info("request", metadata: metadata)
        return response
    }

    static func outcome(of status: HTTPResponse.Status) -> ServerMetrics.Outcome {
        switch status.code {
        case 200..<300: return .ok
        case 400: return .badRequest
        case 401: return .unauthorized
        case 404, 405: return .notFound
        case 413: return .tooLarge
        case 503: return .busy
        case 504: return .timeout
        default: return .error
        }
    }
}

/// A JSON answer `{"error": message}` with a status.
func jsonError(_ status: HTTPResponse.Status, message: String, headers: HTTPFields = [:]) -> Response {
    struct Body: Encodable { let error: String }
    var headers = headers
    headers[.contentType] = "application/json"
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.withoutEscapingSlashes]
    let data = (try? encoder.encode(Body(error: message))) ?? Data("{}".utf8)
    return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
}

/// A JSON answer with status 200.
func jsonResponse(_ data: Data) -> Response {
    Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
}
