import ArgumentParser
import Reloc

struct ValidateSubmissionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate-submission",
        abstract: "Check a submission as the benchmark's server would and list every problem."
    )

    @Argument(help: "The submission file.")
    var results: String

    @Option(parsing: .upToNextOption, help: "Query lists whose queries must each appear exactly once.")
    var queries: [String]

    @Option(help: "The benchmark's naming: aachen (basename), robotcar (camera/basename), cmu (img_..._c0_...us.jpg) or path (seq1/frame00001.png).")
    var format: SubmissionFormat = .aachen

    func validate() throws {
        guard !queries.isEmpty else { throw ValidationError("give the query lists with --queries") }
    }

    func run() throws {
        let problems = try ValidateSubmissionTask(submissionPath: results, queryListPaths: queries, format: format).run()
        if problems.isEmpty {
            print("\(results): OK")
            return
        }
        for problem in problems { print("\(results): \(problem)") }
        print("\(problems.count) problem(s) found")
        throw ExitCode(1)
    }
}
