import ArgumentParser
import Reloc

// The library's option enums as command-line values (their raw values are the spellings), and
// the library's validation errors as ArgumentParser's, so that `reloc CMD --bad-value` prints
// usage and exits 64 like any other parsing error.

extension ExtractTask.Kind: ExpressibleByArgument {}
extension ExtractionSettings.Contrast: ExpressibleByArgument {}
extension PipelineTask.UprightMode: ExpressibleByArgument {}
extension SubmissionFormat: ExpressibleByArgument {}

extension RetrievalMethod: ExpressibleByArgument {
    public init?(argument: String) { try? self.init(parsing: argument) }
}

/// Runs a library `validate()`; its error becomes a `ValidationError` that names the flag.
func validating(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch RelocError.invalidOption(let option, let message) {
        throw ValidationError("--\(option) \(message)")
    } catch {
        throw ValidationError("\(error)")
    }
}
