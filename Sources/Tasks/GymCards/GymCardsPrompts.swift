/// The prompts and the closed word list of the GymCards tasks (Specs/GymCards.md "Prompts"): the
/// paper's structure — task description, legal actions, reply format — in few words, because the
/// policy is a tiny word-level model and prompt plus reply must stay well under 100 tokens.
public enum GymCardsPrompts {
    /// Width and height of every observation image, in pixels.
    public static let imageSize = 96

    static let replyFormat = "Reply in json with thoughts and action."
    /// The reply format of the no-chain-of-thought ablation (seed 002's "w/o CoT"): the same words.
    static let actionOnlyReplyFormat = "Reply in json with action."

    /// `prompt` asking for the action alone (`{"action": …}`) instead of thoughts and action.
    public static func actionOnly(_ prompt: String) -> String {
        prompt.hasSuffix(replyFormat) ? String(prompt.dropLast(replyFormat.count)) + actionOnlyReplyFormat : prompt
    }

    public static let numberLine =
        "Number line game. Move the current number to the target number by adding or subtracting one. Actions: - +. " + replyFormat

    public static let blackjack =
        "Blackjack game. Get closer to 21 than the dealer without going over. Actions: stand hit. " + replyFormat

    /// EZPoints / Points24, with the formula typed so far (`none` when empty).
    public static func points(rules: PointsRules, formula: [FormulaToken]) -> String {
        let maxNumber = rules.faceCardsCountAsTen ? 10 : 13
        let actions = ((1...maxNumber).map(String.init) + rules.operators.map(\.text) + ["="]).joined(separator: " ")
        let game = rules.task == .ezPoints ? "Card game." : "\(rules.target) points game."
        let faces = rules.faceCardsCountAsTen ? " J Q K count as 10." : ""
        let typed = formula.displayText
        return "\(game) Use each card once to make \(rules.target);\(faces) Formula: \(typed.isEmpty ? "none" : typed). "
            + "Actions: \(actions). " + replyFormat
    }

    /// Texts that together contain every word and symbol a GymCards prompt, thought or reply can hold
    /// (with the default rules and numbers up to 31), for building a closed-vocabulary tokenizer.
    public static var corpus: [String] {
        var texts = [numberLine, blackjack,
                     points(rules: .ezPoints, formula: []), points(rules: .points24, formula: [.open, .close]),
                     points(rules: PointsRules(target: 24, deal: .independent(count: 4), operators: PointsRules.points24.operators,
                                               formulaLengthLimit: 20, faceCardsCountAsTen: false, evaluation: .exact),
                            formula: []),
                     "current target so add subtract one",
                     "cards remaining none no solution",
                     "my total soft dealer ace so hit stand",
                     (0...31).map(String.init).joined(separator: " ")]
        for task in GymCardsTask.allCases {
            for action in task.legalActions { texts.append(gymCardsAnswer(thoughts: "", action: action)) }
        }
        return texts
    }
}
