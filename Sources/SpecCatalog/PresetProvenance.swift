import Verification

/// What each preset name reproduces, per family of Specs (the versions the Specs' "Conventions and
/// presets" sections name). `rlref describe` prints it next to the preset's settings.
enum PresetProvenance {
    static let seed = "the seed paper's values and this project's defaults"
    /// PPO-side Specs (GAE, TokenLogProbs, PPOPolicyLoss, ValueLoss, PPOLoss, KLPenalty, VLRMA2C, Optimizers).
    static let ppo: [String: String] = [
        "paper": seed,
        "trl": "TRL 0.29.1, trl/experimental/ppo (TRL 1.16.0 has no PPO trainer)",
        "verl": "verl 0.9.1, verl/trainer/ppo/core_algos.py and its trainer config",
        "openRLHF": "OpenRLHF 0.11.2, openrlhf/models and openrlhf/trainer/ppo_utils",
        "cleanRL": "CleanRL fe8d8a03, cleanrl/ppo.py",
        "rl4vlm": "RL4VLM b989b57, VLM_PPO (a2c_ppo_acktr, scripts)",
    ]
    static let grpo: [String: String] = [
        "paper": "seed 003 Algorithm 1 (advantages); PPO clip 0.2 and GRPO's per-sequence mean",
        "trl": "TRL 1.16.0, trl/trainer/grpo_trainer.py and grpo_config.py (use_bias_correction_kl=True)",
        "trl-1.9.0": "TRL 1.9.0 (and 0.29.1): as trl but use_bias_correction_kl=False (plain k3)",
        "verl": "verl 0.9.1, verl/trainer/ppo/core_algos.py (grpo advantage, vanilla policy loss, agg_loss)",
        "openRLHF": "OpenRLHF 0.11.2, experience_maker.py group_norm, models/loss.py PolicyLoss",
    ]
    static let cot: [String: String] = [
        "paper": "seed 002's formula on caller-given segments",
        "rl4vlm": "RL4VLM 74236ab (2024-08-29) to b989b57, llava_evaluate with one \"action\": marker",
        "rl4vlm-2024-05-15": "RL4VLM 202229a (as released, 2024-05-15): two markers needed",
    ]

    /// A configuration's default description without module prefixes and `Optional(…)` wrappers.
    static func readable(_ description: String) -> String {
        description.replacing("RLAlgorithms.", with: "").replacing(/Optional\(([^()]*)\)/) { String($0.output.1) }
    }

    /// One description per entry of a preset table, sorted by name.
    static func describe<C>(_ table: [String: C], _ provenance: [String: String]) -> [PresetDescription] {
        table.keys.sorted().map { name in
            PresetDescription(name: name, reproduces: provenance[name] ?? seed, settings: readable(String(describing: table[name]!)))
        }
    }
}
