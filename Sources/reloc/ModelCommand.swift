import ArgumentParser
import Reloc

struct ModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model",
        abstract: "Inspect and convert COLMAP models (cameras/images/points3D, .txt or .bin).",
        subcommands: [Convert.self, Info.self]
    )

    struct Convert: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Convert a COLMAP model between text and binary formats.")

        @Argument(help: "Folder of the input model (format detected).")
        var input: String

        @Argument(help: "Folder to write the model into (created if needed).")
        var output: String

        @Option(help: "Output format: txt or bin.")
        var format: String

        func validate() throws {
            guard ColmapFormat(rawValue: format) != nil else {
                throw ValidationError("--format must be txt or bin, got '\(format)'")
            }
        }

        func run() throws {
            let model = try ColmapModel.read(folder: input)
            try model.write(folder: output, format: ColmapFormat(rawValue: format)!)
            print("wrote \(model.cameras.count) cameras, \(model.images.count) images, \(model.points3D.count) points to \(output) (\(format))")
        }
    }

    struct Info: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print counts, cameras, mean track length and reprojection error of a model.")

        @Argument(help: "Folder of the model.")
        var folder: String

        func run() throws {
            let model = try ColmapModel.read(folder: folder)
            print("model: \(folder) (\(try ColmapModel.detectFormat(folder: folder).rawValue))")
            print(model.summary(), terminator: "")
        }
    }
}
