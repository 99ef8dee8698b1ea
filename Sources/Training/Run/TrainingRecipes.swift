/// Every recipe `rlref train` knows, in `--list` order.
public enum TrainingRecipes {
    public static var all: [any TrainingRecipe.Type] { [SupervisedRecipe.self, CLIPRecipe.self, VQAPPORecipe.self, CaptionPPOKLRecipe.self, GymCardsCoTRecipe.self, VQAGRPORecipe.self, CaptionVLRMRecipe.self] }

    /// The recipe named `name`, or nil.
    public static func named(_ name: String) -> (any TrainingRecipe.Type)? { all.first { $0.name == name } }
}

extension TrainingRecipe {
    /// `TrainingRun.run` for this recipe (callable on an existential recipe type).
    public static func train(_ request: TrainingRunRequest, isTerminal: Bool? = nil) throws -> TrainingRunSummary {
        try TrainingRun.run(Self.self, request: request, isTerminal: isTerminal)
    }

    /// This recipe's settings followed by the common ones.
    public static var settingsTable: [RecipeSetting] { TrainingRun.settingsTable(Self.self) }
}
