import Tensor
import Verification

extension GoldenInputs {
    /// A required string: `missingInput` when the key is absent, `invalidArgument` when it holds
    /// anything else, null included (`GoldenInputs.string` treats null as absent).
    func requiredString(_ key: String) throws -> String {
        guard let value = object[key] else { throw InputError.missingInput(argument: key) }
        guard case .string(let s) = value else {
            throw InputError.invalidArgument(argument: key, reason: "expected a string, got \(value.serialized().sanitizedForMessage(quoted: false))")
        }
        return s
    }

    /// A required key holding a string or null (nil): `missingInput` when absent, `invalidArgument`
    /// for any other value.
    func requiredNullableString(_ key: String) throws -> String? {
        guard let value = object[key] else { throw InputError.missingInput(argument: key) }
        if value == .null { return nil }
        return try requiredString(key)
    }
}

extension JSONValue {
    /// A list of strings as a JSON array.
    init(strings: some Sequence<String>) {
        self = .array(strings.map { .string($0) })
    }

    /// A string, or null for nil.
    init(nullable string: String?) {
        self = string.map { .string($0) } ?? .null
    }
}
