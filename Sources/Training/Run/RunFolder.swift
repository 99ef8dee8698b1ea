import Foundation
import Tensor
import Verification

/// The folder one training run writes (README, "Training runs"):
/// `config.json` (recipe, seed, steps, resolved settings), `metrics.jsonl`, `checkpoints/step-NNNNNN/`
/// (every `checkpoint_every` steps and at the end; the newest few kept), `samples/step-NNNNNN/`
/// (images and `samples.jsonl`), `plots/*.png` and `evaluation.json`.
public struct RunFolder: Sendable {
    public let path: String
    public static let configFile = "config.json"

    public func file(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }
    public var checkpoints: String { file("checkpoints") }
    public var samples: String { file("samples") }
    public var plots: String { file("plots") }

    private init(path: String) { self.path = path }

    /// A new run folder. - Throws: `invalidArgument` naming `--out` when it exists and is not empty
    /// (pass `--resume` to continue it) or cannot be created.
    public static func create(_ path: String) throws -> RunFolder {
        let manager = FileManager.default
        if let contents = try? manager.contentsOfDirectory(atPath: path), !contents.isEmpty {
            throw InputError.invalidArgument(argument: "--out", reason: "\(path.sanitizedForMessage()) already exists; continue it with --resume \(path.sanitizedForMessage()) or choose another folder")
        }
        if manager.fileExists(atPath: path) && (try? manager.contentsOfDirectory(atPath: path)) == nil {
            throw InputError.invalidArgument(argument: "--out", reason: "\(path.sanitizedForMessage()) exists and is not a folder")
        }
        let folder = RunFolder(path: path)
        do {
            for sub in [folder.checkpoints, folder.samples, folder.plots] {
                try manager.createDirectory(atPath: sub, withIntermediateDirectories: true)
            }
        } catch {
            throw InputError.invalidArgument(argument: "--out", reason: "\(path.sanitizedForMessage()) cannot be created (\(error.localizedDescription))")
        }
        return folder
    }

    /// An existing run folder to resume. - Throws: `invalidArgument` naming `--resume` when it has no
    /// config.json.
    public static func open(_ path: String) throws -> RunFolder {
        let folder = RunFolder(path: path)
        guard FileManager.default.fileExists(atPath: folder.file(configFile)) else {
            throw InputError.invalidArgument(argument: "--resume", reason: "\(path.sanitizedForMessage()) is not a run folder (no \(configFile))")
        }
        return folder
    }

    /// `checkpoints/step-NNNNNN` for `step`.
    public func checkpoint(step: Int) -> String {
        (checkpoints as NSString).appendingPathComponent(String(format: "step-%06d", step))
    }

    /// Saved checkpoints as (step, folder), oldest first; temporary folders of interrupted writes are ignored.
    public func savedCheckpoints() -> [(step: Int, path: String)] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: checkpoints)) ?? []
        return names.compactMap { name in
            guard name.hasPrefix("step-"), let step = Int(name.dropFirst(5)) else { return nil }
            return (step, (checkpoints as NSString).appendingPathComponent(name))
        }.sorted { $0.step < $1.step }
    }

    /// Removes all but the newest `keep` checkpoints.
    public func pruneCheckpoints(keep: Int) {
        for old in savedCheckpoints().dropLast(keep) { try? FileManager.default.removeItem(atPath: old.path) }
    }

    /// Writes `value` as pretty JSON to `name` atomically.
    public func writeJSON(_ value: JSONValue, to name: String) throws {
        try AtomicFile.write(Data((value.serialized(indent: 2) + "\n").utf8), to: file(name))
    }
}
