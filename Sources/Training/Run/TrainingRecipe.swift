import Tasks
import Tensor

/// A training recipe `rlref train` runs: its documented settings with embedded defaults, and the
/// steps. The loop (`TrainingRun`) owns everything around the steps: the run folder, metrics,
/// progress, checkpoints, Ctrl-C, plots and samples.
public protocol TrainingRecipe {
    /// The name on the command line (`rlref train NAME`).
    static var name: String { get }
    /// One line for `rlref train --list`.
    static var summary: String { get }
    /// Every setting `--set` accepts, with its default.
    static var settings: [RecipeSetting] { get }
    /// Steps when `--steps` is not given.
    static var defaultSteps: Int { get }

    /// A run at step 0 (`checkpoint` nil), or continued from the checkpoint folder it wrote.
    /// `log` shows a message on the run's output (e.g. the warm start it loads).
    init(settings: RecipeSettings, seed: UInt64, checkpoint: String?, log: (String) -> Void) throws

    /// Steps completed (the checkpoint's step after a resumption).
    var completedSteps: Int { get }

    /// Runs step `completedSteps + 1` and returns its metrics in display order.
    mutating func step() throws -> [(name: String, value: Double)]

    /// Validation metrics of the current policy (headline first), for progress and the final summary.
    mutating func evaluate() throws -> [(name: String, value: Double)]

    /// Writes everything needed to continue bit for bit into `folder` (atomically).
    func saveCheckpoint(to folder: String) throws

    /// A few generations of the current policy with the observations they answered.
    mutating func samples() throws -> [Sample]
}

/// The trainer a recipe hands its steps to (every trainer in Recipes/).
public protocol RecipeTrainer {
    var completedSteps: Int { get }
    mutating func step() throws -> [(name: String, value: Double)]
    /// Validation metrics, headline first.
    mutating func evaluate() throws -> [(name: String, value: Double)]
    func saveCheckpoint(to folder: String) throws
    mutating func samples() throws -> [Sample]
}

/// A recipe that is its settings table plus a trainer: the loop's calls go straight to `trainer`.
public protocol DelegatingRecipe: TrainingRecipe {
    associatedtype Trainer: RecipeTrainer
    var trainer: Trainer { get set }
}

extension DelegatingRecipe {
    public var completedSteps: Int { trainer.completedSteps }
    public mutating func step() throws -> [(name: String, value: Double)] { try trainer.step() }
    public mutating func evaluate() throws -> [(name: String, value: Double)] { try trainer.evaluate() }
    public func saveCheckpoint(to folder: String) throws { try trainer.saveCheckpoint(to: folder) }
    public mutating func samples() throws -> [Sample] { try trainer.samples() }
}

/// One sample generation shown in the run folder.
public struct Sample: Sendable {
    public var observation: Observation
    public var response: String
    /// What the response earned (reward, correctness …), named.
    public var scores: [(name: String, value: Double)]

    public init(observation: Observation, response: String, scores: [(name: String, value: Double)]) {
        self.observation = observation
        self.response = response
        self.scores = scores
    }
}
