import Foundation
import Models
import RLAlgorithms
import Tensor
import Verification

/// Everything a training run needs to continue bit for bit (README, "Checkpoints"): the model folder
/// (weights, adapters, value head; loadable by transformers and PEFT), the tokenizer, the optimiser's
/// moments and step count, every RNG state, the training configuration and the step.
public struct TrainingState<T: Scalar>: Sendable {
    public var model: VisionLanguageModel<T>
    public var optimizer: ParameterGroupOptimizer<T>
    public var tokenizer: WordLevelTokenizer?
    /// Named generator states (dropout, sampling, data order …).
    public var generators: [String: SeededGenerator]
    /// The training configuration as JSON (saved as given, compared on resume by the caller).
    public var configuration: JSONValue
    /// Training steps completed.
    public var step: Int

    public init(model: VisionLanguageModel<T>, optimizer: ParameterGroupOptimizer<T>, tokenizer: WordLevelTokenizer? = nil,
                generators: [String: SeededGenerator], configuration: JSONValue, step: Int) {
        self.model = model; self.optimizer = optimizer; self.tokenizer = tokenizer
        self.generators = generators; self.configuration = configuration; self.step = step
    }
}

/// Writing and reading checkpoint folders. A checkpoint is written into a temporary folder beside
/// its destination, every file flushed to disk, the manifest last, then the folder renamed into
/// place, so a kill at any moment leaves the previous checkpoint (and no partial new one) loadable.
public enum Checkpoint {
    public static let format = "rlref-checkpoint"
    public static let version = 1

    /// Writes `state` to `folder` (replacing an earlier checkpoint of that name).
    public static func save<T: Scalar>(_ state: TrainingState<T>, to folder: String) throws {
        let url = URL(fileURLWithPath: folder).standardizedFileURL
        let parent = url.deletingLastPathComponent().path
        try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
        let temporary = (parent as NSString).appendingPathComponent(".\(url.lastPathComponent).tmp-\(ProcessInfo.processInfo.processIdentifier)")
        try? FileManager.default.removeItem(atPath: temporary)
        do {
            try writeContents(state, into: temporary)
            if FileManager.default.fileExists(atPath: url.path) {
                let old = temporary + ".old"
                try FileManager.default.moveItem(atPath: url.path, toPath: old)
                try FileManager.default.moveItem(atPath: temporary, toPath: url.path)
                try? FileManager.default.removeItem(atPath: old)
            } else {
                try FileManager.default.moveItem(atPath: temporary, toPath: url.path)
            }
        } catch {
            try? FileManager.default.removeItem(atPath: temporary)
            if let e = error as? InputError { throw e }
            throw InputError.invalidArgument(argument: folder, reason: "checkpoint could not be written (\(error.localizedDescription))")
        }
    }

    static func writeContents<T: Scalar>(_ state: TrainingState<T>, into folder: String) throws {
        let dtype: Safetensors.DType = T.self == Double.self ? .f64 : .f32
        try ModelFolder.save(state.model, to: folder, dtype: dtype)
        try state.tokenizer?.save(to: folder, modelMaxLength: state.model.configuration.text.maxPositions)
        func path(_ name: String) -> String { (folder as NSString).appendingPathComponent(name) }
        var moments: [String: Tensor<T>] = [:]
        var steps: [(String, JSONValue)] = []
        for (name, s) in state.optimizer.states.sorted(by: { $0.key < $1.key }) {
            moments[name + ".exp_avg"] = s.firstMoment
            moments[name + ".exp_avg_sq"] = s.secondMoment
            steps.append((name, .number(Double(s.step))))
        }
        try Safetensors.write(moments, dtype: dtype, to: path("optimizer.safetensors"), metadata: [:])
        let generators = state.generators.sorted { $0.key < $1.key }.map { name, g in
            (name, JSONValue.array(g.state.map { .string(String($0)) }))
        }
        let trainer = JSONObject([
            ("format", .string(format)), ("version", .number(Double(version))), ("step", .number(Double(state.step))),
            ("scalar", .string(T.self == Double.self ? "float64" : "float32")),
            ("optimizer_steps", .number(Double(state.optimizer.stepCount))), ("parameter_steps", .object(JSONObject(steps))),
            ("trainable", .array(ParameterNames.all(state.model).filter { state.model[keyPath: $0.1].isTrainable }.map { .string($0.0) })),
            ("generators", .object(JSONObject(generators))), ("configuration", state.configuration),
        ])
        try AtomicFile.write(Data(JSONValue.object(trainer).serialized(indent: 1).utf8), to: path("trainer_state.json"))
        var files: [(String, JSONValue)] = []
        for name in try FileManager.default.contentsOfDirectory(atPath: folder).sorted() where name != "manifest.json" {
            let bytes = try InputFile.bytes(atPath: path(name), limit: Safetensors.maximumFileBytes)
            files.append((name, .object(JSONObject([("bytes", .number(Double(bytes.count))),
                                                    ("crc32", .string(String(CRC32.checksum(bytes), radix: 16)))]))))
        }
        let manifest = JSONObject([("format", .string(format)), ("version", .number(Double(version))), ("files", .object(JSONObject(files)))])
        try AtomicFile.write(Data(JSONValue.object(manifest).serialized(indent: 1).utf8), to: path("manifest.json"))
    }

    /// Reads a checkpoint written by `save`, into `optimizer` (whose groups and settings the caller
    /// builds from the same configuration).
    /// - Throws: `invalidArgument` for a foreign folder (no or another manifest), a file whose size or
    ///   checksum differs from the manifest (truncated or corrupted), a missing or extra file, another
    ///   scalar type; the model folder's typed errors; `invalidArgument` for optimizer moments that
    ///   do not match the trainable parameters.
    public static func load<T: Scalar>(_ folder: String, optimizer: ParameterGroupOptimizer<T>,
                                       valueHeadActivation: Activation = .relu) throws -> TrainingState<T> {
        func path(_ name: String) -> String { (folder as NSString).appendingPathComponent(name) }
        func fail(_ reason: String) -> InputError { InputError.invalidArgument(argument: folder, reason: reason) }
        guard case .object(let manifest)? = try? ModelFolder.readJSON(path("manifest.json")),
              manifest["format"] == .string(format), case .object(let files)? = manifest["files"] else {
            throw fail("is not an RLRef checkpoint (no manifest.json of format \(format))")
        }
        guard manifest["version"] == .number(Double(version)) else { throw fail("has an unsupported checkpoint version") }
        let present = Set(try FileManager.default.contentsOfDirectory(atPath: folder)).subtracting(["manifest.json"])
        if let extra = present.subtracting(files.keys).sorted().first { throw fail("holds \(extra), which the manifest does not list") }
        for (name, entry) in files {
            guard case .object(let e) = entry, case .number(let size)? = e["bytes"], case .string(let crc)? = e["crc32"] else {
                throw fail("manifest entry \(name) is malformed")
            }
            guard present.contains(name) else { throw fail("lacks \(name) (truncated checkpoint?)") }
            let bytes = try InputFile.bytes(atPath: path(name), limit: Safetensors.maximumFileBytes)
            guard Double(bytes.count) == size else { throw fail("\(name) has \(bytes.count) bytes, the manifest says \(Int(size)) (truncated?)") }
            guard String(CRC32.checksum(bytes), radix: 16) == crc else { throw fail("\(name) does not match its checksum (corrupted)") }
        }
        guard case .object(let trainer) = try ModelFolder.readJSON(path("trainer_state.json")),
              case .number(let step)? = trainer["step"], case .number(let optimizerSteps)? = trainer["optimizer_steps"],
              case .object(let parameterSteps)? = trainer["parameter_steps"], case .object(let generatorStates)? = trainer["generators"],
              case .array(let trainableNames)? = trainer["trainable"] else {
            throw fail("trainer_state.json is malformed")
        }
        guard trainer["scalar"] == .string(T.self == Double.self ? "float64" : "float32") else {
            throw fail("was written with another scalar type")
        }
        let model = try ModelFolder.load(folder, as: T.self, valueHeadActivation: valueHeadActivation)
        let tokenizer = present.contains("tokenizer.json") ? try WordLevelTokenizer.load(from: folder) : nil
        let moments: Safetensors.Contents<T> = try Safetensors.read(contentsOf: path("optimizer.safetensors"))
        var states: [String: AdamState<T>] = [:]
        for (name, value) in parameterSteps {
            guard case .number(let s) = value, let m = moments.tensors[name + ".exp_avg"], let v = moments.tensors[name + ".exp_avg_sq"] else {
                throw fail("optimizer state of \(name) is incomplete")
            }
            states[name] = AdamState(firstMoment: m, secondMoment: v, step: Int(s))
        }
        var generators: [String: SeededGenerator] = [:]
        for (name, value) in generatorStates {
            guard case .array(let words) = value else { throw fail("generator \(name) is malformed") }
            generators[name] = try SeededGenerator(state: words.map { word in
                guard case .string(let s) = word, let w = UInt64(s) else { throw fail("generator \(name) is malformed") }
                return w
            })
        }
        var restored = optimizer
        try restored.restore(states: states, stepCount: Int(optimizerSteps))
        var trainable = model
        let names = Set(trainableNames.compactMap { if case .string(let n) = $0 { n } else { nil } })
        trainable.setTrainable { names.contains($0) }
        return TrainingState(model: trainable, optimizer: restored, tokenizer: tokenizer, generators: generators,
                             configuration: trainer["configuration"] ?? .null, step: Int(step))
    }
}
