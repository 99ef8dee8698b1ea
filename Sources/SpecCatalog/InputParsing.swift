import Tensor
import Verification

extension GoldenInputs {
    /// A string-valued convention parsed into an enum, or `default` when absent.
    /// - Throws: `InputError.invalidArgument` listing the allowed values.
    func convention<E: RawRepresentable & CaseIterable>(_ key: String, default value: E) throws -> E
    where E.RawValue == String {
        guard let raw = try string(key) else { return value }
        guard let e = E(rawValue: raw) else {
            let allowed = E.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
            throw InputError.invalidArgument(argument: key, reason: "unknown value \(raw.sanitizedForMessage()); allowed: \(allowed)")
        }
        return e
    }

    /// A named preset from `presets`, or `default` when the `preset` key is absent.
    func preset<C>(_ presets: [String: C], default value: C, key: String = "preset") throws -> C {
        guard let name = try string(key) else { return value }
        guard let c = presets[name] else {
            let allowed = presets.keys.sorted().map { "\"\($0)\"" }.joined(separator: ", ")
            throw InputError.invalidArgument(argument: key, reason: "unknown preset \(name.sanitizedForMessage()); allowed: \(allowed)")
        }
        return c
    }
}
