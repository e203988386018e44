import Foundation
import Hummingbird

/// The request context of `reloc serve`: Hummingbird's core context, and a slot in which the
/// route leaves how the request ended, for the request log and the metrics.
struct ServeContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let report = RequestReport()

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
    }
}

/// What a route tells the request log about the request (set once, by the route's task).
final class RequestReport: @unchecked Sendable {
    private let lock = NSLock()
    private var _outcome: ServerMetrics.Outcome?
    private var _fields: [String: String] = [:]

    var outcome: ServerMetrics.Outcome? {
        get { lock.withLock { _outcome } }
        set { lock.withLock { _outcome = newValue } }
    }

    var fields: [String: String] {
        get { lock.withLock { _fields } }
        set { lock.withLock { _fields = newValue } }
    }
}
