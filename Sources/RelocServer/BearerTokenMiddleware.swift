import Hummingbird

/// With `--token-file`: every request must carry `Authorization: Bearer <token>`, or it gets
/// 401 (with `WWW-Authenticate: Bearer`) before any route runs. Compared in constant time.
/// `GET /healthz` is exempt: it says only that the server is up, and a Kubernetes probe (or a load
/// balancer's health check) cannot read the token from a Secret.
struct BearerTokenMiddleware: RouterMiddleware {
    typealias Context = ServeContext
    let token: [UInt8]

    init(token: String) { self.token = Array(token.utf8) }

    func handle(_ request: Request, context: ServeContext, next: (Request, ServeContext) async throws -> Response) async throws -> Response {
        if request.method == .get && request.uri.path == "/healthz" { return try await next(request, context) }
        let given = request.headers[.authorization].map { Array($0.utf8) } ?? []
        let prefix = Array("Bearer ".utf8)
        guard given.count == prefix.count + token.count, Array(given.prefix(prefix.count)) == prefix,
              Self.constantTimeEqual(Array(given.dropFirst(prefix.count)), token) else {
            context.report.outcome = .unauthorized
            return jsonError(.unauthorized, message: request.headers[.authorization] == nil
                                 ? "missing Authorization: Bearer <token>" : "wrong token",
                             headers: [.wwwAuthenticate: "Bearer"])
        }
        return try await next(request, context)
    }

    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for (x, y) in zip(a, b) { difference |= x ^ y }
        return difference == 0
    }
}
