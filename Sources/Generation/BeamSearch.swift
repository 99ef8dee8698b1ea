import RLAlgorithms
import Tensor

/// Beam-search settings (Specs/Generation.md Generation-8), as transformers names them.
public struct BeamSearchOptions: Sendable, Equatable {
    public enum EarlyStopping: String, Sendable, Equatable { case yes = "true", no = "false", never }

    public var beams: Int
    /// Finished hypotheses score Σ log p / (new tokens)^lengthPenalty.
    public var lengthPenalty = 1.0
    public var earlyStopping: EarlyStopping = .no
    public var decoding: DecodingOptions

    public init(beams: Int, decoding: DecodingOptions) {
        self.beams = beams
        self.decoding = decoding
    }
}

/// A beam or a finished hypothesis: its tokens (prompt included) and score.
struct BeamHypothesis { var tokens: [Int]; var score: Double; var finished: Bool }

/// The best hypothesis per row and its score.
public struct BeamSearchResult: Sendable, Equatable {
    /// [B][L + n], finished hypotheses padded with EOS (transformers' fill value when the pad id is 0)
    /// or the pad id, to the longest hypothesis returned.
    public var sequences: [[Int]]
    public var scores: [Double]
}

/// Beam search as transformers 5.24 computes it (Specs/Generation.md Generation-8). Per step and row:
/// scores = processed log-softmax of every running beam + the beam's running sum; the 2·K best
/// (beam, token) candidates (ties to the lower flat index); candidates ending in EOS, or reaching
/// the maximum length, among the first K finish with score sum/(new tokens)^lp and join the K best
/// finished hypotheses; the K best others continue. A row stops when its K finished hypotheses can
/// no longer be beaten (`earlyStopping`), the loop when every row stopped or the length is reached.
public func beamSearch<M: NextTokenModel>(
    _ model: inout M, prompt: [[Int]], logits initial: Tensor<Double>, options: BeamSearchOptions
) throws -> BeamSearchResult {
    let k = options.beams
    guard k >= 1 else { throw InputError.outOfRange(argument: "num_beams", value: Double(k), range: "[1, ∞)") }
    let d = options.decoding
    guard d.sampling == nil else { throw InputError.invalidArgument(argument: "do_sample", reason: "beam sampling is not supported") }
    let rows = prompt.count, v = model.vocabularySize
    try d.validate(rows: rows * k, vocabularySize: v)
    guard options.lengthPenalty.isFinite else { throw InputError.nonFinite(argument: "length_penalty", index: []) }
    let promptLength = prompt.first?.count ?? 0
    let maxLength = promptLength + d.maxNewTokens
    let pipeline = d.pipeline(rows: rows * k)
    let fill = d.padTokenID != 0 ? d.padTokenID : (d.eosTokenID ?? 0)
    let toKeep = 2 * k
    let penalty = -1.0e9

    // Running beams per row: tokens and running sums (beam 0 live, the others −1e9 at the start).
    var running = (0..<rows).map { b in (0..<k).map { BeamHypothesis(tokens: prompt[b], score: $0 == 0 ? 0 : penalty, finished: false) } }
    var finished = (0..<rows).map { b in (0..<k).map { _ in BeamHypothesis(tokens: prompt[b], score: penalty, finished: false) } }
    var heuristicUnsatisfied = Array(repeating: true, count: rows)
    model.select(rows: (0..<rows).flatMap { Array(repeating: $0, count: k) })
    var logits = Tensor<Double>(shape: [rows * k, v])
    for b in 0..<rows { for beam in 0..<k {
        logits.elements.replaceSubrange(((b * k + beam) * v)..<((b * k + beam + 1) * v), with: initial.elements[(b * v)..<((b + 1) * v)])
    } }
    var currentLength = promptLength
    while currentLength < maxLength {
        var scores = logits.logSoftmaxLastAxis()
        pipeline.apply(&scores, history: running.flatMap { $0.map(\.tokens) }, promptLength: promptLength)
        var parents: [Int] = [], nextTokens: [Int] = []
        var allHit = true
        for b in 0..<rows {
            // The 2K best candidates over (beam, token), ties to the lower flat index.
            var candidates: [(score: Double, beam: Int, token: Int)] = []
            for beam in 0..<k { for t in 0..<v {
                candidates.append((scores.elements[(b * k + beam) * v + t] + running[b][beam].score, beam, t))
            } }
            let top = Array(candidates.enumerated().sorted { ($0.element.score, -$0.offset) > ($1.element.score, -$1.offset) }
                .prefix(toKeep).map(\.element))
            let hits = top.map { $0.token == d.eosTokenID || currentLength + 1 >= maxLength }
            if !hits.allSatisfy({ $0 }) { allHit = false }
            // Finished candidates: among the first K, normalised by their number of new tokens.
            let rowFull = finished[b].allSatisfy(\.finished) && options.earlyStopping == .yes
            var merged = finished[b]
            for (rank, c) in top.enumerated() {
                var score = c.score / Double.pow(Double(currentLength + 1 - promptLength), options.lengthPenalty)
                if rowFull { score += penalty }
                if !heuristicUnsatisfied[b] { score += penalty }
                let justFinished = hits[rank] && rank < k
                if !justFinished { score += penalty }
                merged.append(BeamHypothesis(tokens: running[b][c.beam].tokens + [c.token], score: score, finished: justFinished))
            }
            finished[b] = Array(merged.enumerated().sorted { ($0.element.score, -$0.offset) > ($1.element.score, -$1.offset) }
                .prefix(k).map(\.element))
            // Running beams: the K best candidates that did not hit a stop.
            let continuing = top.enumerated().map { (rank, c) in (c.score + (hits[rank] ? penalty : 0), c, rank) }
                .sorted { ($0.0, -$0.2) > ($1.0, -$1.2) }.prefix(k)
            running[b] = continuing.map { BeamHypothesis(tokens: running[b][$0.1.beam].tokens + [$0.1.token], score: $0.0, finished: false) }
            parents += continuing.map { b * k + $0.1.beam }
            nextTokens += continuing.map { $0.1.token }
        }
        currentLength += 1
        for b in 0..<rows where heuristicUnsatisfied[b] {
            let hypothetical = options.earlyStopping == .never && options.lengthPenalty > 0 ? maxLength - promptLength : currentLength - promptLength
            let best = running[b][0].score / Double.pow(Double(hypothetical), options.lengthPenalty)
            let worst = finished[b].map(\.score).min()!
            heuristicUnsatisfied[b] = finished[b].contains { best > ($0.finished ? worst : penalty) }
        }
        let openBeam = !(finished.allSatisfy { $0.allSatisfy(\.finished) } && options.earlyStopping == .yes)
        guard heuristicUnsatisfied.contains(true), openBeam, !allHit, currentLength < maxLength else { break }
        model.select(rows: parents)
        logits = try model.nextLogits(after: nextTokens)
    }
    let best = finished.map { $0[0] }
    let length = best.map(\.tokens.count).max() ?? promptLength
    return BeamSearchResult(sequences: best.map { $0.tokens + Array(repeating: fill, count: length - $0.tokens.count) },
                            scores: best.map(\.score))
}
