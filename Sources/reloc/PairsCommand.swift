import ArgumentParser
import Foundation
import Reloc

struct PairsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pairs",
        abstract: "Choose the image pairs to match (retrieval) and write them as a pairs file.",
        discussion: """
            Query–database retrieval (--queries and --database): exhaustive; vlad (built from the \
            local features of --features, vocabulary learned on the database, no weights); \
            global:FILE.h5 (hloc global descriptors, 'global_descriptor' per image); pairs:FILE \
            (an existing pairs file such as hloc's pairs-query-netvlad50.txt, kept as it is). \
            Database–database pairs for the map (--database MODEL only): covisibility (shared 3D \
            points), frustum (viewing-frustum overlap of the known poses) or poses (covisibility \
            when the model has points, else frustum).
            """
    )

    @Option(help: "exhaustive, vlad, global:FILE.h5, pairs:FILE, covisibility, frustum or poses.")
    var retrieval: String = "exhaustive"

    @Option(parsing: .upToNextOption, help: "Query lists (with intrinsics, or plain name lists).")
    var queries: [String] = []

    @Option(help: "The database: a COLMAP model folder or a list of image names.")
    var database: String

    @Option(help: "Pairs file to write.")
    var output: String

    @Option(name: .customLong("top-k"), help: "Database images per query (or per database image).")
    var topK: Int = 20
    @Option(help: "With vlad or global: retrieve this many per query, keep the --top-k with the most local matches (mutual nearest neighbours, ratio 0.9; needs --features).")
    var rerank: Int?

    @Option(help: "Local features (for vlad).")
    var features: String?

    @Option(name: .customLong("global-output"), help: "Where vlad stores its global descriptors (default: next to --output).")
    var globalOutput: String?

    func validate() throws {
        try validating { try task().validate() }
    }

    func task() throws -> PairsTask {
        var task = PairsTask(retrieval: try RetrievalMethod(parsing: retrieval), queryLists: queries, database: database,
                             output: output, topK: topK, featuresFile: features, globalOutput: globalOutput)
        task.rerankCandidates = rerank
        return task
    }

    func run() throws {
        let task = try task()
        let s = try task.run(warn: { FileHandle.standardError.write(Data("\($0)\n".utf8)) })
        print(String(format: "wrote %d pairs (%@) to %@, %.1f s", s.pairs, s.method, output, s.seconds))
    }
}
