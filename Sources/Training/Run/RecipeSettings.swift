import Tensor
import Verification

/// The type and range of one recipe setting; `--set key=value` is parsed and checked against it.
public enum SettingKind: Sendable, Equatable {
    case integer(ClosedRange<Int>)
    case real(ClosedRange<Double>)
    case flag
    case choice([String])

    public var summary: String {
        switch self {
        case .integer(let r): "integer in \(r.lowerBound)…\(r.upperBound)"
        case .real(let r): "number in \(r.lowerBound)…\(r.upperBound)"
        case .flag: "true or false"
        case .choice(let options): options.joined(separator: "|")
        }
    }
}

/// One documented recipe setting with its embedded default (stored as text, parsed like user input).
public struct RecipeSetting: Sendable, Equatable {
    public var key: String
    public var kind: SettingKind
    public var defaultValue: String
    public var help: String

    public init(_ key: String, _ kind: SettingKind, default defaultValue: String, _ help: String) {
        self.key = key
        self.kind = kind
        self.defaultValue = defaultValue
        self.help = help
    }
}

/// A recipe's resolved settings: every key of its table with the default or the user's `--set`
/// value, typed. Resolving checks each override: an unknown key or a value of the wrong type or out
/// of range is an `InputError` that names it and lists the valid keys.
public struct RecipeSettings: Sendable, Equatable {
    public let table: [RecipeSetting]
    private var values: [String: JSONValue]

    /// The defaults of `table` with `overrides` ("key=value") applied in order.
    public init(table: [RecipeSetting], overrides: [String] = []) throws {
        self.table = table
        values = [:]
        for setting in table { values[setting.key] = try Self.parse(setting.defaultValue, as: setting) }
        for override in overrides { try apply(override) }
    }

    /// Settings read back from a run's saved configuration (`json`), for `--resume`.
    public init(table: [RecipeSetting], json: JSONValue) throws {
        guard case .object(let object) = json else {
            throw InputError.invalidArgument(argument: "config.json", reason: "is not a JSON object")
        }
        try self.init(table: table, overrides: try object.map { key, value in
            switch value {
            case .string(let s): "\(key)=\(s)"
            case .bool(let b): "\(key)=\(b)"
            case .number(let d): "\(key)=\(d == d.rounded() && abs(d) < 1e15 ? String(Int(d)) : String(d))"
            default: throw InputError.invalidArgument(argument: "config.json", reason: "value of \(key.sanitizedForMessage()) is not a scalar")
            }
        })
    }

    /// Applies one "key=value" override.
    public mutating func apply(_ override: String) throws {
        guard let equals = override.firstIndex(of: "=") else {
            throw InputError.invalidArgument(argument: "--set", reason: "\(override.sanitizedForMessage()) is not key=value")
        }
        let key = String(override[..<equals]), text = String(override[override.index(after: equals)...])
        guard let setting = table.first(where: { $0.key == key }) else {
            throw InputError.invalidArgument(argument: "--set", reason: "unknown key \(key.sanitizedForMessage()); valid keys: \(table.map(\.key).joined(separator: ", "))")
        }
        values[key] = try Self.parse(text, as: setting)
    }

    private static func parse(_ text: String, as setting: RecipeSetting) throws -> JSONValue {
        let fail = InputError.invalidArgument(argument: "--set \(setting.key)",
                                              reason: "\(text.sanitizedForMessage()) is not a \(setting.kind.summary)")
        switch setting.kind {
        case .integer(let range):
            guard let value = Int(text), range.contains(value) else { throw fail }
            return .number(Double(value))
        case .real(let range):
            guard let value = Double(text), value.isFinite, range.contains(value) else { throw fail }
            return .number(value)
        case .flag:
            guard let value = Bool(text) else { throw fail }
            return .bool(value)
        case .choice(let options):
            guard options.contains(text) else { throw fail }
            return .string(text)
        }
    }

    private func value(_ key: String) -> JSONValue {
        guard let value = values[key] else { preconditionFailure("recipe reads an undeclared setting \(key)") }
        return value
    }

    /// An integer setting of the table. - Precondition: `key` is declared with `.integer`.
    public func integer(_ key: String) -> Int { Int(value(key).numberValue!) }
    /// A real setting of the table. - Precondition: `key` is declared with `.real` or `.integer`.
    public func real(_ key: String) -> Double { value(key).numberValue! }
    /// A flag setting of the table. - Precondition: `key` is declared with `.flag`.
    public func flag(_ key: String) -> Bool { value(key) == .bool(true) }
    /// A choice setting of the table. - Precondition: `key` is declared with `.choice`.
    public func choice(_ key: String) -> String {
        guard case .string(let s) = value(key) else { preconditionFailure("\(key) is not a choice") }
        return s
    }

    /// Every setting in table order, as saved in a run's config.json.
    public var json: JSONValue { .object(JSONObject(table.map { ($0.key, value($0.key)) })) }
}
