import ArgumentParser
import Dispatch
import Foundation
import Logging
import Reloc
import RelocServer

struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve a finished pipeline output folder over HTTP: localize one image per request.",
        discussion: """
            The map, the database features and the retrieval index are loaded once; the run's \
            settings (pipeline.json) say how images are extracted, retrieved, matched and localized. \
            POST /v1/localize?camera=MODEL W H PARAMS...[&name=NAME] with the image's bytes as the body; \
            GET /healthz, /v1/map, /metrics. SIGTERM or Ctrl-C: stop accepting, answer what is in \
            flight, exit 0. README.md and docs/serve.openapi.yaml describe the API.
            """
    )

    @Option(help: "A finished `reloc pipeline` output folder.") var map: String
    @Option(help: "Address to bind (loopback by default).") var host = "127.0.0.1"
    @Option(help: "Port (0: any free port).") var port = 8080
    @Option(help: "Requests localized at once (each one uses every core for its parallel parts).") var workers = 1
    @Option(help: "Requests waiting for a worker; beyond that, 503 with Retry-After.") var queue = 64
    @Option(name: .customLong("max-body-mb"), help: "Largest image accepted, MiB (413 beyond).") var maxBodyMB = 20.0
    @Option(name: .customLong("token-file"), help: "File with a bearer token: requests without `Authorization: Bearer <token>` get 401.")
    var tokenFile: String?
    @Option(help: "Seconds before a localization is answered 504.") var timeout = 30.0
    @Option(help: "The learned features' (and LightGlue's) weights, when not where the pipeline run had them.") var weights: String?

    func validate() throws {
        guard maxBodyMB > 0, maxBodyMB.isFinite else { throw ValidationError("--max-body-mb must be positive") }
    }

    func run() throws {
        var options = ServeOptions()
        options.host = host
        options.port = port
        options.workers = workers
        options.queue = queue
        options.maxBodyBytes = Int(maxBodyMB * 1_048_576)
        options.timeoutSeconds = timeout
        options.token = try tokenFile.map { try ServeOptions.token(file: $0) }
        try options.validate()

        AllocatorTuning.limitArenas(to: ProcessInfo.processInfo.activeProcessorCount)
        LoggingSystem.bootstrap { StreamLogHandler.standardError(label: $0) }
        let logger = Logger(label: "reloc.serve")
        let map = try ServedMap(folder: self.map, weightsFolder: weights) { logger.info("\($0)") }
        logger.info("map loaded", metadata: ["folder": "\(self.map)", "seconds": "\(String(format: "%.2f", map.loadSeconds))"])
        let server = try LocalizationServer(service: LocalizationService(map: map, extractionThreads: workers == 1 ? ProcessInfo.processInfo.activeProcessorCount : 1), options: options, logger: logger)
        let outcome = RunOutcome()
        let done = DispatchSemaphore(value: 0)
        let (host, workers, queue) = (host, workers, queue)
        Task {
            do {
                try await server.run { port in
                    logger.info("listening", metadata: ["url": "http://\(host):\(port)", "workers": "\(workers)", "queue": "\(queue)"])
                }
            } catch { outcome.error = error }
            done.signal()
        }
        done.wait()
        if let error = outcome.error { throw error }
        logger.info("stopped")
    }
}

/// The server task's error, handed to the waiting main thread.
private final class RunOutcome: @unchecked Sendable {
    var error: (any Error)?
}
