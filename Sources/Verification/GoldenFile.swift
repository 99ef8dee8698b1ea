import Foundation
import Tensor

/// |actual − expected| ≤ atol + rtol·|expected|, element-wise.
public struct Tolerance: Equatable, Sendable, CustomStringConvertible {
    public var absolute: Double
    public var relative: Double
    public init(absolute: Double, relative: Double) {
        self.absolute = absolute
        self.relative = relative
    }
    public func accepts(actual: Double, expected: Double) -> Bool {
        if expected.isNaN { return actual.isNaN }
        if expected.isInfinite { return actual == expected }
        return abs(actual - expected) <= absolute + relative * abs(expected)
    }
    public var description: String { "atol \(absolute), rtol \(relative)" }
}

/// The scalar type a golden case is evaluated in, with the tolerance key it uses.
public enum Precision: String, CaseIterable, Sendable {
    case float64, float32
}

/// Tolerances per precision, as in a golden file's `tolerance` / `default_tolerance`.
public struct Tolerances: Equatable, Sendable {
    public var float64: Tolerance
    public var float32: Tolerance
    public subscript(precision: Precision) -> Tolerance {
        precision == .float64 ? float64 : float32
    }
}

/// Where a file's or a case's numbers come from (`source` in the golden format).
public struct GoldenSource: Equatable, Sendable {
    public var kind: String
    public var summary: String
}

/// One golden case (see GoldenData/README.md).
public struct GoldenCase: Sendable, CustomStringConvertible {
    public var id: String
    public var equation: String
    public var comment: String
    public var flags: Set<String>
    public var inputs: GoldenInputs
    public var expected: JSONObject
    /// `L = Σ_k <cotangents[k], outputs[k]>`; nil when the case has no gradients.
    public var cotangents: JSONObject?
    public var expectedGradients: JSONObject?
    public var tolerances: Tolerances
    public var source: GoldenSource
    /// `"<spec>/<file>.json#<id>"`, for messages.
    public var location: String

    /// When the case expects an error, its kind.
    public var expectedError: String? {
        if case .string(let kind)? = expected["error"], flags.contains("error") { return kind }
        return nil
    }
    /// Flags under which central differences cannot check the golden gradient (GoldenData/README.md):
    /// the case sits on a kink, the Spec holds a path constant, the gradient is a defined surrogate
    /// (straight-through), or the step leaves a tiny region.
    public static let finiteDifferenceExemptions: Set<String> = ["nondifferentiable", "stop_gradient", "surrogate_gradient", "fd_step_leaves_region"]

    /// The cotangents as tensors (empty when the case has none).
    /// - Throws: `InputError` for a cotangent that is not a numeric array (argument `cotangents.<name>`).
    public func cotangentTensors() throws -> [String: Tensor<Double>] {
        var tensors: [String: Tensor<Double>] = [:]
        for (name, value) in cotangents ?? JSONObject() {
            tensors[name] = try JSONValue.tensor(from: value, argument: "cotangents.\(name.sanitizedForMessage(quoted: false))")
        }
        return tensors
    }

    /// Whether central differences can check this case's gradient.
    public var isFiniteDifferenceCheckable: Bool { flags.isDisjoint(with: Self.finiteDifferenceExemptions) }
    public var description: String { id }
}

/// A parsed golden file.
public struct GoldenFile: Sendable {
    public var path: String
    public var spec: String
    public var description: String
    public var source: GoldenSource
    public var cases: [GoldenCase]
}

/// A golden file that does not follow the format: names the file and the JSON path.
public struct GoldenFormatError: Error, Equatable, Sendable, CustomStringConvertible {
    public let file: String
    public let path: String
    public let message: String
    public init(file: String, path: String, message: String) {
        self.file = file
        self.path = path
        self.message = message
    }
    public var description: String { "\(file.sanitizedForMessage()): \(path): \(message)" }
}

extension GoldenFile {
    /// Reads and validates a golden file (format version 1), read by `InputFile.bytes(atPath:)`.
    /// Inputs-only files are accepted when `requireExpected` is false.
    /// - Throws: `GoldenFormatError` naming the file and JSON path, for unreadable, too large and
    ///   malformed files too.
    public init(contentsOf path: String, requireExpected: Bool = true) throws {
        let root: JSONValue
        do { root = try JSONValue(contentsOf: path) } catch let e as InputFileError {
            throw GoldenFormatError(file: path, path: "$", message: e.reason)
        } catch let e as JSONSyntaxError {
            throw GoldenFormatError(file: path, path: "$", message: "malformed JSON at \(e)")
        }
        try self.init(json: root, path: path, requireExpected: requireExpected)
    }

    /// Validates a parsed document. Inputs-only files (as a user may write for `rlref eval`), with or
    /// without `gradients.cotangents` and no `gradients.expected`, are accepted when `requireExpected`
    /// is false.
    public init(json root: JSONValue, path: String, requireExpected: Bool = true) throws {
        let fail = { (p: String, m: String) in GoldenFormatError(file: path, path: p, message: m) }
        guard case .object(let top) = root else { throw fail("$", "the top level must be an object") }
        if case .string(let f)? = top["format"], f != "rlref-golden" { throw fail("$.format", "expected \"rlref-golden\", got \(f.sanitizedForMessage())") }
        if let v = top["version"], v != .number(1) { throw fail("$.version", "only version 1 is supported") }
        guard case .string(let spec)? = top["spec"] else { throw fail("$.spec", "missing string naming the spec") }
        let fileSource = try Self.source(top["source"], at: "$.source", fail: fail)
            ?? GoldenSource(kind: "unspecified", summary: "no source given")
        let defaults = try Self.tolerances(top["default_tolerance"], at: "$.default_tolerance", fallback: .standard, fail: fail)
        guard case .array(let items)? = top["cases"] else { throw fail("$.cases", "missing array of cases") }
        var seen = Set<String>()
        let fileName = (path as NSString).lastPathComponent
        let location = { (id: String) in "\(spec)/\(fileName)#\(id)".sanitizedForMessage(quoted: false, limit: 200) }
        let parsedCases = try items.enumerated().map { (i, item) in
            let at = "$.cases[\(i)]"
            guard case .object(let c) = item else { throw fail(at, "a case must be an object") }
            guard case .string(let id)? = c["id"], !id.isEmpty else { throw fail("\(at).id", "missing non-empty string id") }
            guard seen.insert(id).inserted else { throw fail("\(at).id", "duplicate case id \(id.sanitizedForMessage())") }
            guard case .object(let inputs)? = c["inputs"] else { throw fail("\(at).inputs", "missing object") }
            var expected = JSONObject()
            if case .object(let e)? = c["expected"] { expected = e } else if requireExpected {
                throw fail("\(at).expected", "missing object")
            }
            var flags = Set<String>()
            if case .array(let fs)? = c["flags"] {
                for (j, f) in fs.enumerated() {
                    guard case .string(let s) = f else { throw fail("\(at).flags[\(j)]", "flags are strings") }
                    flags.insert(s)
                }
            }
            var cot: JSONObject?, grads: JSONObject?
            if let g = c["gradients"] {
                guard case .object(let go) = g, case .object(let co)? = go["cotangents"] else {
                    throw fail("\(at).gradients", "needs an object \"cotangents\"")
                }
                if case .object(let eo)? = go["expected"] {
                    grads = eo
                } else if requireExpected {
                    throw fail("\(at).gradients", "needs objects \"cotangents\" and \"expected\"")
                }
                cot = co
            }
            let string = { (k: String) -> String in if case .string(let s)? = c[k] { s } else { "" } }
            return GoldenCase(
                id: id, equation: string("equation"), comment: string("comment"), flags: flags,
                inputs: GoldenInputs(inputs, location: location(id)),
                expected: expected, cotangents: cot, expectedGradients: grads,
                tolerances: try Self.tolerances(c["tolerance"], at: "\(at).tolerance", fallback: defaults, fail: fail),
                source: try Self.source(c["source"], at: "\(at).source", fail: fail) ?? fileSource,
                location: location(id))
        }
        self.path = path
        self.spec = spec
        if case .string(let d)? = top["description"] { description = d } else { description = "" }
        source = fileSource
        cases = parsedCases
    }

    private static func source(_ v: JSONValue?, at: String, fail: (String, String) -> GoldenFormatError) throws -> GoldenSource? {
        guard let v else { return nil }
        guard case .object(let o) = v, case .string(let kind)? = o["kind"] else {
            throw fail(at, "a source is an object with a string \"kind\"")
        }
        let detail = ["program", "reference", "description"].compactMap { k -> String? in
            if case .string(let s)? = o[k] { s } else { nil }
        }.first ?? ""
        return GoldenSource(kind: kind, summary: detail)
    }

    private static func tolerances(_ v: JSONValue?, at: String, fallback: Tolerances,
                                   fail: (String, String) -> GoldenFormatError) throws -> Tolerances {
        guard let v else { return fallback }
        guard case .object(let o) = v else { throw fail(at, "a tolerance is an object keyed by float64/float32") }
        func one(_ key: String, _ fb: Tolerance) throws -> Tolerance {
            guard let t = o[key] else { return fb }
            guard case .object(let to) = t, let a = to["atol"]?.numberValue, let r = to["rtol"]?.numberValue,
                  a >= 0, r >= 0 else {
                throw fail("\(at).\(key)", "needs non-negative numbers atol and rtol")
            }
            return Tolerance(absolute: a, relative: r)
        }
        return Tolerances(float64: try one("float64", fallback.float64), float32: try one("float32", fallback.float32))
    }
}

extension Tolerances {
    /// The format's defaults (GoldenData/README.md, tolerance policy).
    public static let standard = Tolerances(float64: Tolerance(absolute: 1e-12, relative: 1e-10),
                                            float32: Tolerance(absolute: 1e-5, relative: 1e-4))
}
