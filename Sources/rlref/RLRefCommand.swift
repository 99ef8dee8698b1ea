import ArgumentParser

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
        subcommands: [GoldenCommand.self, EvalCommand.self, CompareCommand.self, DescribeCommand.self])
}

struct GoldenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "golden", abstract: "Work with the golden test vectors.",
        subcommands: [VerifyCommand.self])
}

/// A user-facing failure: printed as one line by ArgumentParser, exit code 1.
struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
