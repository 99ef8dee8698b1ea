import Models
import Tensor

/// Keys (after rotary) and values of every decoder layer for B rows, up to `capacity` positions
/// (Specs/Generation.md, "Key/value cache"). Layout per layer: [B, capacity, H_kv·d], a row's positions
/// contiguous, so a step appends one [H_kv·d] vector per row and attention reads a strided matrix.
public struct KeyValueCache<T: Scalar>: Sendable {
    public private(set) var rows: Int
    public let capacity: Int
    public let width: Int
    public private(set) var keys: [[T]]
    public private(set) var values: [[T]]
    /// [B·capacity]: which cached positions are real (false for left padding).
    public private(set) var valid: [Bool]
    /// Positions filled so far (the same for every row: rows are padded to one length).
    public private(set) var length = 0

    public init(layers: Int, rows: Int, capacity: Int, width: Int) {
        self.rows = rows; self.capacity = capacity; self.width = width
        keys = Array(repeating: [T](repeating: 0, count: rows * capacity * width), count: layers)
        values = keys
        valid = Array(repeating: false, count: rows * capacity)
    }

    /// Stores the prompt's keys and values of one layer ([B·T, H_kv·d] as the forward pass computed them).
    mutating func storePrompt(layer: Int, keys k: Tensor<T>, values v: Tensor<T>, length t: Int) {
        for b in 0..<rows {
            let source = b * t * width, target = b * capacity * width
            keys[layer].replaceSubrange(target..<(target + t * width), with: k.elements[source..<(source + t * width)])
            values[layer].replaceSubrange(target..<(target + t * width), with: v.elements[source..<(source + t * width)])
        }
    }

    mutating func setPromptMask(_ mask: [[Bool]]) {
        let t = mask.first?.count ?? 0
        for b in 0..<rows { for i in 0..<t { valid[b * capacity + i] = mask[b][i] } }
        length = t
    }

    /// Appends one position's keys and values ([B, H_kv·d]) of one layer at index `length`.
    mutating func append(layer: Int, keys k: Tensor<T>, values v: Tensor<T>) {
        precondition(length < capacity, "key/value cache full")
        for b in 0..<rows {
            let target = (b * capacity + length) * width
            keys[layer].replaceSubrange(target..<(target + width), with: k.elements[(b * width)..<((b + 1) * width)])
            values[layer].replaceSubrange(target..<(target + width), with: v.elements[(b * width)..<((b + 1) * width)])
        }
    }

    /// Keeps rows `rows` in this order (repeats allowed), e.g. the parent beams of the new beams.
    mutating func select(rows selected: [Int]) {
        for layer in keys.indices {
            keys[layer] = Self.gather(keys[layer], rows: selected, stride: capacity * width)
            values[layer] = Self.gather(values[layer], rows: selected, stride: capacity * width)
        }
        valid = Self.gather(valid, rows: selected, stride: capacity)
        rows = selected.count
    }

    static func gather<E>(_ source: [E], rows: [Int], stride: Int) -> [E] {
        rows.flatMap { source[($0 * stride)..<(($0 + 1) * stride)] }
    }

    /// Marks the appended position valid and advances `length` (after every layer appended).
    mutating func advance() {
        for b in 0..<rows { valid[b * capacity + length] = true }
        length += 1
    }
}
