import Foundation

/// The GoldenData folder: one sub-folder of JSON files per Spec (`_generators/` is skipped).
public struct GoldenLibrary: Sendable {
    public let directory: String

    public init(directory: String) {
        self.directory = directory
    }

    /// The package's GoldenData folder: found by walking up from the working directory, else
    /// next to this source file (so tests and a built `rlref` work from any directory).
    public static func locate(from workingDirectory: String = FileManager.default.currentDirectoryPath,
                              sourceFile: String = #filePath) -> GoldenLibrary? {
        var dir = URL(fileURLWithPath: workingDirectory)
        for _ in 0..<12 {
            if isLibrary(dir.appendingPathComponent("GoldenData").path) {
                return GoldenLibrary(directory: dir.appendingPathComponent("GoldenData").path)
            }
            let parent = dir.deletingLastPathComponent()
            if parent.path == dir.path { break }
            dir = parent
        }
        // Sources/Verification/GoldenLibrary.swift -> package root.
        let root = URL(fileURLWithPath: sourceFile).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let candidate = root.appendingPathComponent("GoldenData").path
        return isLibrary(candidate) ? GoldenLibrary(directory: candidate) : nil
    }

    private static func isLibrary(_ path: String) -> Bool {
        FileManager.default.fileExists(atPath: (path as NSString).appendingPathComponent("README.md"))
    }

    /// Names of the Spec folders (those holding at least one JSON file), sorted.
    public func specNames() -> [String] {
        let items = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return items.filter { !$0.hasPrefix("_") && !$0.hasPrefix(".") && !filePaths(spec: $0).isEmpty }.sorted()
    }

    /// Paths of the JSON files of one Spec, sorted.
    public func filePaths(spec: String) -> [String] {
        let folder = (directory as NSString).appendingPathComponent(spec)
        let items = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return items.filter { $0.hasSuffix(".json") }.sorted().map { (folder as NSString).appendingPathComponent($0) }
    }

    /// The parsed golden files of one Spec.
    public func files(spec: String) throws -> [GoldenFile] {
        try filePaths(spec: spec).map { try GoldenFile(contentsOf: $0) }
    }

    /// Every case of one Spec, across its files.
    public func cases(spec: String) throws -> [GoldenCase] {
        try files(spec: spec).flatMap(\.cases)
    }
}
