/// A parsed JSON document. Numbers keep their decimal text's exact `Double` value (parsed with
/// correct rounding by `Double(String)`); integers that fit are also available as `Int`.
public enum JSONValue: Equatable, Sendable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)

    /// The value as a number, accepting the golden format's "nan", "inf", "-inf" strings.
    public var numberValue: Double? {
        switch self {
        case .number(let d): d
        case .string("nan"): .nan
        case .string("inf"): .infinity
        case .string("-inf"): -.infinity
        default: nil
        }
    }
}

/// A JSON object that keeps its keys in document order (so output is stable and readable).
public struct JSONObject: Equatable, Sendable, Sequence {
    public private(set) var keys: [String] = []
    private var storage: [String: JSONValue] = [:]

    public init() {}

    public init(_ pairs: [(String, JSONValue)]) {
        for (k, v) in pairs { self[k] = v }
    }

    public subscript(key: String) -> JSONValue? {
        get { storage[key] }
        set {
            if newValue == nil {
                if storage.removeValue(forKey: key) != nil { keys.removeAll { $0 == key } }
            } else {
                if storage[key] == nil { keys.append(key) }
                storage[key] = newValue
            }
        }
    }

    public var count: Int { keys.count }

    public func makeIterator() -> AnyIterator<(key: String, value: JSONValue)> {
        var i = 0
        return AnyIterator {
            guard i < keys.count else { return nil }
            defer { i += 1 }
            return (keys[i], storage[keys[i]]!)
        }
    }
}
