import SpecCatalog
import Tensor
import TestSupport
import Testing
import Verification

/// Bad input never traps: every golden case of every Spec, with each input key dropped, nulled,
/// replaced by a string or an extreme number, and each array shortened, emptied, wrapped, unwrapped,
/// made ragged or given a NaN / −∞ / huge / fractional / negative element, either evaluates or
/// throws `InputError` — forward and backward. (A trap would end the test process, failing the run.)
@Suite("Malformed inputs")
struct MalformedInputTests {
    static var specs: [String] { Catalog.evaluators.map(\.spec) }

    /// Replaces the first number in a nested array by `new`; nil when there is none.
    static func replacingFirstNumber(in value: JSONValue, with new: JSONValue) -> JSONValue? {
        guard case .array(var items) = value else { return nil }
        for i in items.indices {
            if case .number = items[i] {
                items[i] = new
                return .array(items)
            }
            if let replaced = replacingFirstNumber(in: items[i], with: new) {
                items[i] = replaced
                return .array(items)
            }
        }
        return nil
    }

    /// The mutated variants of one case's inputs, each with a label.
    static func mutations(of inputs: GoldenInputs) -> [(String, GoldenInputs)] {
        var out: [(String, GoldenInputs)] = []
        for (key, value) in inputs.object {
            var dropped = inputs.object
            dropped[key] = nil
            out.append(("drop \(key)", GoldenInputs(dropped)))
            for (label, v) in [("null", JSONValue.null), ("string", .string("zzz")), ("huge", .number(1e308)),
                               ("negative", .number(-3)), ("bool", .bool(true))] {
                out.append(("\(label) \(key)", inputs.replacing(key, with: v)))
            }
            guard case .array(let items) = value else { continue }
            out.append(("empty \(key)", inputs.replacing(key, with: .array([]))))
            out.append(("wrap \(key)", inputs.replacing(key, with: .array([value]))))
            if items.count > 1 { out.append(("short \(key)", inputs.replacing(key, with: .array(Array(items.dropLast()))))) }
            if case .array(let row)? = items.first {
                out.append(("unwrap \(key)", inputs.replacing(key, with: .array(row))))
                if !row.isEmpty {
                    var ragged = items
                    ragged[0] = .array(Array(row.dropLast()))
                    out.append(("ragged \(key)", inputs.replacing(key, with: .array(ragged))))
                }
            }
            for (label, new) in [("nan", JSONValue.string("nan")), ("-inf", .string("-inf")), ("1e300", .number(1e300)),
                                 ("0.5", .number(0.5)), ("-7", .number(-7)), ("1e18", .number(1e18))] {
                if let v = replacingFirstNumber(in: value, with: new) { out.append(("\(label) in \(key)", inputs.replacing(key, with: v))) }
            }
        }
        return out
    }

    @Test("mutated golden inputs evaluate or throw InputError, never trap", arguments: specs)
    func mutatedInputs(_ spec: String) throws {
        let evaluator = try #require(Catalog.evaluator(for: spec))
        var evaluations = 0
        for goldenCase in try Golden.cases(spec) {
            let cotangents = try goldenCase.cotangentTensors()
            for (label, inputs) in Self.mutations(of: goldenCase.inputs) {
                evaluations += 1
                do {
                    _ = try evaluator.evaluate(inputs, as: Double.self)
                    _ = try evaluator.evaluate(inputs, as: Float.self)
                    if !cotangents.isEmpty { _ = try evaluator.checkedGradients(inputs, cotangents: cotangents) }
                } catch is InputError {
                    continue
                } catch {
                    Issue.record("\(goldenCase.location) with \(label): threw \(type(of: error)) \(error), not InputError")
                }
            }
        }
        #expect(evaluations > 0)
    }
}
