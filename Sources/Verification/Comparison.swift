import Tensor

/// One element that failed (or came closest to failing) a tolerance comparison.
public struct ElementMismatch: Equatable, Sendable, CustomStringConvertible {
    /// JSON-style path, e.g. `advantages[1][3]`.
    public var path: String
    public var expected: Double
    public var actual: Double
    public var absoluteError: Double { abs(actual - expected) }
    public var relativeError: Double { expected == 0 ? (actual == 0 ? 0 : .infinity) : absoluteError / abs(expected) }
    /// error / (atol + rtol·|expected|): above 1 fails. Infinite for NaN/Inf disagreements.
    public var excess: Double

    public var description: String {
        "\(path): expected \(expected), actual \(actual) (abs err \(absoluteError), rel err \(relativeError))"
    }
}

/// The result of comparing outputs against expectations.
public struct ComparisonReport: Sendable, CustomStringConvertible {
    /// The element with the largest error relative to its allowance (nil if nothing numeric).
    public var worst: ElementMismatch?
    public var maxAbsoluteError: Double = 0
    /// Largest |a − e|/|e| over elements with a non-zero expectation (zeros are judged by `atol`).
    public var maxRelativeError: Double = 0
    /// Structural problems: missing outputs, shape or type differences, unequal strings (values
    /// elided, one line each).
    public var structuralFailures: [String] = []
    public var comparedElements = 0

    public init() {}

    public var passed: Bool { structuralFailures.isEmpty && (worst?.excess ?? 0) <= 1 }

    /// The longest description of a failure, in characters, before the ellipsis and length; at most
    /// three structural problems are listed, then their count.
    public static let messageLimit = 1000

    public var description: String {
        if passed { return "pass (\(comparedElements) elements, worst abs err \(maxAbsoluteError))" }
        var parts = Array(structuralFailures.prefix(3))
        if structuralFailures.count > 3 { parts.append("\(structuralFailures.count - 3) more structural problem(s)") }
        if let w = worst, w.excess > 1 { parts.append("worst element \(w)") }
        return parts.joined(separator: "; ").sanitizedForMessage(quoted: false, limit: Self.messageLimit)
    }

    /// Merges another report (e.g. of a second output) into this one.
    public mutating func absorb(_ other: ComparisonReport) {
        structuralFailures += other.structuralFailures
        comparedElements += other.comparedElements
        if let w = other.worst, w.excess > (worst?.excess ?? -1) { worst = w }
        if other.comparedElements > 0 {
            maxAbsoluteError = max(maxAbsoluteError, other.maxAbsoluteError)
            maxRelativeError = max(maxRelativeError, other.maxRelativeError)
        }
    }
}

/// Compares JSON values recursively: numbers (and the "nan"/"inf"/"-inf" strings) within
/// `tolerance`, arrays element by element with equal lengths, strings and booleans exactly, objects
/// key by key (every expected key must be present; extra actual keys are ignored). Keys in paths and
/// values in messages are sanitised (`sanitizedForMessage`).
public func compare(expected: JSONValue, actual: JSONValue, tolerance: Tolerance, path: String) -> ComparisonReport {
    var report = ComparisonReport()
    switch (expected, actual) {
    case (.string(let e), .string(let a)) where e.unicodeScalars.elementsEqual(a.unicodeScalars):
        // Scalar by scalar: Swift's String == would equate canonically equivalent texts.
        report.comparedElements = 1
    case (.bool(let e), .bool(let a)):
        report.comparedElements = 1
        if e != a { report.structuralFailures.append("\(path): expected \(e), actual \(a)") }
    case (.array(let es), .array(let as_)):
        guard es.count == as_.count else {
            report.structuralFailures.append("\(path): expected \(es.count) elements, actual \(as_.count)")
            return report
        }
        if es.isEmpty { report.comparedElements = 1 }  // equal empty shapes are a checked fact
        for i in es.indices { report.absorb(compare(expected: es[i], actual: as_[i], tolerance: tolerance, path: "\(path)[\(i)]")) }
    case (.object(let eo), .object(let ao)):
        for (key, e) in eo {
            let keyPath = "\(path).\(key.sanitizedForMessage(quoted: false, limit: 40))"
            guard let a = ao[key] else {
                report.structuralFailures.append("\(keyPath): missing in the actual output")
                continue
            }
            report.absorb(compare(expected: e, actual: a, tolerance: tolerance, path: keyPath))
        }
    case (.null, .null):
        report.comparedElements = 1
    default:
        if let e = expected.numberValue, let a = actual.numberValue {
            report.comparedElements = 1
            let allowance = tolerance.absolute + tolerance.relative * abs(e)
            let ok = tolerance.accepts(actual: a, expected: e)
            var excess: Double
            if e.isFinite && a.isFinite {
                excess = allowance > 0 ? abs(a - e) / allowance : (a == e ? 0 : .infinity)
            } else {
                excess = ok ? 0 : .infinity
            }
            if ok { excess = min(excess, 1) }
            let m = ElementMismatch(path: path, expected: e, actual: a, excess: excess)
            report.worst = m
            if e.isFinite && a.isFinite {
                report.maxAbsoluteError = m.absoluteError
                report.maxRelativeError = e == 0 ? 0 : m.relativeError
            } else if !ok {
                report.maxAbsoluteError = .infinity
                report.maxRelativeError = .infinity
            }
        } else {
            report.structuralFailures.append("\(path): expected \(expected.serialized().sanitizedForMessage(quoted: false)), "
                                             + "actual \(actual.serialized().sanitizedForMessage(quoted: false))")
        }
    }
    return report
}
