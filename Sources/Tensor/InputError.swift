/// The one error type for invalid arguments anywhere in RLRef. Every case names the argument and
/// says what is wrong with it in one printable line of at most `messageLimit` characters (user text
/// in it escaped and elided by `sanitizedForMessage`); `kind` is the language-neutral name golden files use
/// (`expected: {"error": "<kind>"}`, see GoldenData/README.md).
public enum InputError: Error, Equatable, Sendable, CustomStringConvertible {
    /// `argument` has shape `actual` where `expected` was required (−1 marks an extent of any size).
    case shapeMismatch(argument: String, expected: [Int], actual: [Int])
    /// `argument` holds NaN or an infinity at `index` where only finite values are allowed.
    case nonFinite(argument: String, index: [Int])
    /// `argument` = `value` lies outside `range` (written like "[0, 1]").
    case outOfRange(argument: String, value: Double, range: String)
    /// A required argument is absent.
    case missingInput(argument: String)
    /// `argument` is present but unusable, for `reason`.
    case invalidArgument(argument: String, reason: String)
    /// `argument` selects nothing (e.g. an all-zero mask) where at least one element is needed.
    case empty(argument: String, reason: String)

    /// The error kind as golden files name it.
    public var kind: String {
        switch self {
        case .shapeMismatch: "shape_mismatch"
        case .nonFinite: "non_finite"
        case .outOfRange: "out_of_range"
        case .missingInput: "missing_input"
        case .invalidArgument: "invalid_argument"
        case .empty: "empty"
        }
    }

    /// The argument the error is about.
    public var argument: String {
        switch self {
        case .shapeMismatch(let a, _, _), .nonFinite(let a, _), .outOfRange(let a, _, _),
             .missingInput(let a), .invalidArgument(let a, _), .empty(let a, _):
            a
        }
    }

    /// The longest description, in characters (Unicode scalars), before the ellipsis and length.
    public static let messageLimit = 500

    public var description: String {
        message.sanitizedForMessage(quoted: false, limit: Self.messageLimit)
    }

    private var message: String {
        switch self {
        case .shapeMismatch(let a, let e, let s):
            "\(a): shape \(s) does not match the required shape [\(e.map { $0 < 0 ? "any" : String($0) }.joined(separator: ", "))]"
        case .nonFinite(let a, let i):
            "\(a): non-finite value at index \(i)"
        case .outOfRange(let a, let v, let r):
            "\(a): value \(v) is outside \(r)"
        case .missingInput(let a):
            "\(a): required input is missing"
        case .invalidArgument(let a, let reason):
            "\(a): \(reason)"
        case .empty(let a, let reason):
            "\(a): \(reason)"
        }
    }
}
