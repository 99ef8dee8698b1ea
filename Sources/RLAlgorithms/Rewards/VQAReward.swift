import Tensor

/// The weights w₁…w₅ of the composite VQA reward (Specs/VQAReward.md VQAReward-1), used as given
/// (no renormalisation; seed 003's sum to 1, others need not).
public struct VQARewardWeights: Sendable, Equatable {
    public var bleu1: Double
    public var exact: Double
    public var substring: Double
    public var jaccard: Double
    public var extractable: Double

    public init(bleu1: Double, exact: Double, substring: Double, jaccard: Double, extractable: Double) {
        self.bleu1 = bleu1
        self.exact = exact
        self.substring = substring
        self.jaccard = jaccard
        self.extractable = extractable
    }

    /// Weights in the golden order [bleu1, exact, substring, jaccard, extractable].
    /// - Throws: `shapeMismatch` naming `argument` unless there are exactly five.
    public init(_ values: [Double], argument: String = "weights") throws {
        guard values.count == 5 else {
            throw InputError.shapeMismatch(argument: argument, expected: [5], actual: [values.count])
        }
        self.init(bleu1: values[0], exact: values[1], substring: values[2], jaccard: values[3], extractable: values[4])
    }

    /// The weights in the order the total sums them.
    public var ordered: [Double] { [bleu1, exact, substring, jaccard, extractable] }

    /// Throws `nonFinite` for a NaN or infinite weight (its index in the golden order).
    public func validate() throws {
        if let i = ordered.firstIndex(where: { !$0.isFinite }) {
            throw InputError.nonFinite(argument: "weights", index: [i])
        }
    }

    /// Seed 003, sec. 3.3: 0.2, 0.3, 0.2, 0.1, 0.2.
    public static let paper = VQARewardWeights(bleu1: 0.2, exact: 0.3, substring: 0.2, jaccard: 0.1, extractable: 0.2)
}

/// Whether the substring component (VQAReward-4) looks for the reference's scalars or its whole words.
public enum SubstringMode: String, Sendable, CaseIterable {
    /// The normalised reference is a contiguous scalar substring of the normalised prediction (seed 003).
    case chars
    /// The reference's words are a contiguous run of the prediction's words.
    case words
}

/// Conventions of the composite VQA reward (Specs/VQAReward.md, "Conventions and presets").
public struct VQARewardConfiguration: Sendable, Equatable {
    public var weights: VQARewardWeights
    /// Multiply BLEU-1 by BLEU's brevity penalty (off in seed 003's eq. 6).
    public var brevityPenalty: Bool
    public var substringMode: SubstringMode

    public init(weights: VQARewardWeights = .paper, brevityPenalty: Bool = false, substringMode: SubstringMode = .chars) {
        self.weights = weights
        self.brevityPenalty = brevityPenalty
        self.substringMode = substringMode
    }

    /// Seed 003: paper weights, no brevity penalty, scalar substring.
    public static let paper = VQARewardConfiguration()
    /// The presets by their golden-file names.
    public static let presets: [String: VQARewardConfiguration] = ["paper": .paper]

    /// Throws `nonFinite` for a NaN or infinite weight (its index in the golden order).
    public func validate() throws { try weights.validate() }
}

/// The type of a VQA reference, which decides how VQAReward-6 extracts an answer.
public enum VQAAnswerType: String, Sendable, CaseIterable {
    /// One word that is a number (`0`…`10` as words, or `[0-9]+(\.[0-9]+)?`).
    case number
    /// Exactly `yes` or `no`.
    case yesNo = "yes_no"
    /// Anything else.
    case text
}

/// A prediction and a reference, normalised (Specs/TextNormalization.md) and checked.
public struct VQAAnswerPair: Sendable {
    public let prediction: NormalizedText
    public let reference: NormalizedText

    /// - Throws: `InputError.empty` when the reference has no words after normalisation.
    public init(prediction: String, reference: String) throws {
        self.prediction = NormalizedText(normalizing: prediction)
        self.reference = NormalizedText(normalizing: reference)
        guard !self.reference.words.isEmpty else {
            throw InputError.empty(argument: "reference", reason: "has no words after normalisation")
        }
    }
}

/// The five components of the VQA reward and their weighted total.
public struct VQARewardResult<T: Scalar>: Sendable {
    public var bleu1: T
    public var exact: T
    public var substring: T
    public var jaccard: T
    public var extractable: T
    public var total: T
    public var answerType: VQAAnswerType
    /// The prediction word (number, yes/no) or the normalised reference (text) that VQAReward-6
    /// found, or nil.
    public var extracted: String?
}

/// The composite VQA answer reward of seed 003 (Definition 3.1) on normalised texts P̂, P (prediction)
/// and R̂, R (reference); words compare scalar by scalar.
///
/// Implements Specs/VQAReward.md:
/// - VQAReward-1: `total = w₁·bleu1 + w₂·exact + w₃·substring + w₄·jaccard + w₅·extractable`, summed
///   left to right from 0;
/// - VQAReward-2: clipped unigram precision `Σ_v min(c_P(v), c_R(v)) / |P|` (0 when P is empty), times
///   `exp(1 − |R|/|P|)` when `brevityPenalty` and |P| ≤ |R|;
/// - VQAReward-3: `exact = 1[P̂ = R̂]`;
/// - VQAReward-4: `1[R̂ is a scalar substring of P̂]` (`.chars`) or `1[R is a contiguous run of P]` (`.words`);
/// - VQAReward-5: `|set(P) ∩ set(R)| / |set(P) ∪ set(R)|`;
/// - VQAReward-6: answer extraction typed by the reference (`VQAAnswerType`): the first number of P
///   equal to the reference's canonical decimal, the first yes/no word of P equal to the reference, or
///   R as a contiguous run of P.
/// Linear time in the lengths of the texts.
/// - Throws: `InputError.nonFinite` for a NaN or infinite weight.
public func vqaReward<T: Scalar>(_ pair: VQAAnswerPair, configuration: VQARewardConfiguration = .paper,
                                 as: T.Type = T.self) throws -> VQARewardResult<T> {
    try configuration.validate()
    let p = pair.prediction.words, r = pair.reference.words
    var referenceCounts: [NormalizedText.Word: Int] = [:]
    for word in r { referenceCounts[word, default: 0] += 1 }
    var predictionCounts: [NormalizedText.Word: Int] = [:]
    for word in p { predictionCounts[word, default: 0] += 1 }

    var bleu1: T = 0
    if !p.isEmpty {
        var clipped = 0
        for (word, count) in predictionCounts { clipped += min(count, referenceCounts[word] ?? 0) }
        bleu1 = T(clipped) / T(p.count)
        if configuration.brevityPenalty && p.count <= r.count {
            bleu1 *= T.exp(1 - T(r.count) / T(p.count))
        }
    }
    let exact: T = pair.prediction.scalars == pair.reference.scalars ? 1 : 0
    let referenceIsRun = p.firstRange(of: r) != nil
    let substring: T = switch configuration.substringMode {
    case .chars: pair.prediction.scalars.firstRange(of: pair.reference.scalars) != nil ? 1 : 0
    case .words: referenceIsRun ? 1 : 0
    }
    let shared = predictionCounts.keys.reduce(0) { $0 + (referenceCounts[$1] != nil ? 1 : 0) }
    let jaccard = T(shared) / T(predictionCounts.count + referenceCounts.count - shared)

    let answerType: VQAAnswerType
    var extracted: NormalizedText.Word?
    var extractable: T = 0
    if r.count == 1, let target = canonicalNumber(r[0]) {
        answerType = .number
        extracted = p.first { canonicalNumber($0) != nil }
        if let x = extracted, canonicalNumber(x) == target { extractable = 1 }
    } else if r.count == 1, r[0].isScalarwiseEqual(to: "yes") || r[0].isScalarwiseEqual(to: "no") {
        answerType = .yesNo
        extracted = p.first { $0.isScalarwiseEqual(to: "yes") || $0.isScalarwiseEqual(to: "no") }
        if let x = extracted, x == r[0] { extractable = 1 }
    } else {
        answerType = .text
        if referenceIsRun { extractable = 1 }
    }

    let w = configuration.weights
    var total: T = 0
    total += T(w.bleu1) * bleu1
    total += T(w.exact) * exact
    total += T(w.substring) * substring
    total += T(w.jaccard) * jaccard
    total += T(w.extractable) * extractable
    return VQARewardResult(
        bleu1: bleu1, exact: exact, substring: substring, jaccard: jaccard, extractable: extractable, total: total,
        answerType: answerType,
        extracted: answerType == .text ? (referenceIsRun ? pair.reference.string : nil) : extracted?.description)
}

/// The canonical decimal string of a number word (VQAReward-6 `num(x)`): `zero`…`ten` → `"0"`…`"10"`;
/// a word matching `[0-9]+(\.[0-9]+)?` (ASCII digits) → integer part without leading zeros (`"0"` if
/// none left), fraction without trailing zeros, no point when the fraction is empty; otherwise nil.
func canonicalNumber(_ word: NormalizedText.Word) -> String? {
    let numberWords = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"]
    if let value = numberWords.firstIndex(where: word.isScalarwiseEqual(to:)) { return String(value) }
    let scalars = word.scalars
    let point = scalars.firstIndex(of: ".")
    let integerPart = scalars[..<(point ?? scalars.endIndex)]
    let fractionPart = point.map { scalars[($0 + 1)...] } ?? []
    let isDigit = { (s: Unicode.Scalar) in ("0"..."9").contains(s) }
    guard !integerPart.isEmpty, integerPart.allSatisfy(isDigit), fractionPart.allSatisfy(isDigit),
          point == nil || !fractionPart.isEmpty else { return nil }
    let integer = integerPart.drop { $0 == "0" }
    var fraction = fractionPart[...]
    while fraction.last == "0" { fraction.removeLast() }
    var canonical = integer.isEmpty ? "0" : String(scalars: ArraySlice(integer))
    if !fraction.isEmpty { canonical += "." + String(scalars: ArraySlice(fraction)) }
    return canonical
}
