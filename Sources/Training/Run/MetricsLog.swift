import Foundation
import Tensor
import Verification

/// One training step's metrics in the order they were reported.
public struct StepMetrics: Sendable, Equatable {
    public var step: Int
    /// Seconds since the run (or its resumption's first run) started.
    public var wallTime: Double
    public var values: [(name: String, value: Double)]

    public init(step: Int, wallTime: Double, values: [(name: String, value: Double)]) {
        self.step = step
        self.wallTime = wallTime
        self.values = values
    }

    public static func == (a: StepMetrics, b: StepMetrics) -> Bool {
        a.step == b.step && a.wallTime == b.wallTime && a.values.elementsEqual(b.values) { $0 == $1 }
    }

    /// The value named `name`, if reported.
    public subscript(name: String) -> Double? { values.first { $0.name == name }?.value }

    var json: JSONValue {
        .object(JSONObject([("step", .number(Double(step))), ("wall_time", .number(wallTime))]
                           + values.map { ($0.name, .number($0.value)) }))
    }

    init(json: JSONValue) throws {
        guard case .object(let object) = json, case .number(let step)? = object["step"],
              case .number(let wall)? = object["wall_time"] else {
            throw InputError.invalidArgument(argument: MetricsLog.fileName, reason: "holds a line without step and wall_time")
        }
        self.init(step: Int(step), wallTime: wall, values: object.compactMap { key, value in
            key == "step" || key == "wall_time" ? nil : value.numberValue.map { (key, $0) }
        })
    }
}

/// The run's metrics file: one JSON object per line per step (`step`, `wall_time`, then every
/// metric; non-finite values as "nan"/"inf"/"-inf" strings). Lines are appended and flushed as
/// steps finish, so a killed run keeps every finished step.
public struct MetricsLog {
    public static let fileName = "metrics.jsonl"
    public let path: String
    /// Every step logged so far, including those kept from before a resumption.
    public private(set) var history: [StepMetrics]
    private let handle: FileHandle

    /// Opens `folder`'s log. When resuming from `resumedStep`, lines of later steps (written after that
    /// checkpoint, about to be recomputed) are dropped; a fresh run (`resumedStep` nil) starts empty.
    public init(folder: String, resumedStep: Int?) throws {
        path = (folder as NSString).appendingPathComponent(Self.fileName)
        var kept: [StepMetrics] = []
        if let resumedStep, FileManager.default.fileExists(atPath: path) {
            kept = try Self.read(folder: folder).filter { $0.step <= resumedStep }
        }
        let contents = kept.map { $0.json.serialized() + "\n" }.joined()
        try AtomicFile.write(Data(contents.utf8), to: path)
        do {
            handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
            try handle.seekToEnd()
        } catch {
            throw InputError.invalidArgument(argument: path, reason: "cannot be opened for appending (\(error.localizedDescription))")
        }
        history = kept
    }

    /// Every step logged in `folder`'s metrics file, read without modifying it.
    /// - Throws: the file reader's errors; `invalidArgument` for a line that is not a step's metrics.
    public static func read(folder: String) throws -> [StepMetrics] {
        let text = String(decoding: try InputFile.bytes(atPath: (folder as NSString).appendingPathComponent(fileName)), as: UTF8.self)
        return try text.split(separator: "\n").filter { !$0.isEmpty }.map { try StepMetrics(json: try JSONValue(parsing: String($0))) }
    }

    /// Appends one step's line and flushes it.
    public mutating func append(_ metrics: StepMetrics) throws {
        do {
            try handle.write(contentsOf: Data((metrics.json.serialized() + "\n").utf8))
        } catch {
            throw InputError.invalidArgument(argument: path, reason: "could not be written (\(error.localizedDescription)); is the disk full?")
        }
        history.append(metrics)
    }
}
