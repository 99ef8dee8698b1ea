import ArgumentParser
import Foundation
import Tensor

@main
struct RLRefCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rlref",
        abstract: "Reference implementation of RL fine-tuning for vision-language models.",
        discussion: """
            Every equation is a Spec (Specs/<Name>.md) with golden cases (GoldenData/<Name>/*.json).
            Check this library against them with `rlref golden verify`; check your own implementation \
            with `rlref eval` and `rlref compare`.
            """,
        subcommands: [GoldenCommand.self, EvalCommand.self, CompareCommand.self, DescribeCommand.self, ModelCommand.self,
                      BenchCommand.self, PlotCommand.self, SummarizeCommand.self, TrainCommand.self, SFTCommand.self, EvaluateCommand.self, RenderCommand.self])

    /// Runs the command line. A failure's message is made one printable line
    /// (`sanitizedForMessage`) before it is printed: ArgumentParser echoes unknown options and
    /// arguments as typed, and no error of ours may reach the terminal raw either.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            let code = exitCode(for: error)
            guard code != .success else { exit(withError: error) }
            let raw = message(for: error)
            var text = fullMessage(for: error)
            if let range = text.range(of: raw) {
                text.replaceSubrange(range, with: raw.sanitizedForMessage(quoted: false, limit: 1000))
            }
            FileHandle.standardError.write(Data((text + "\n").utf8))
            Foundation.exit(code.rawValue)
        }
    }
}

struct GoldenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "golden", abstract: "Work with the golden test vectors.",
        subcommands: [VerifyCommand.self])
}

/// A user-facing failure: printed as one line by `RLRefCommand.main`, exit code 1.
struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
