// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "RLRef",
    products: [
        .library(name: "Tensor", targets: ["Tensor"]),
        .library(name: "RLAlgorithms", targets: ["RLAlgorithms"]),
        .library(name: "Verification", targets: ["Verification"]),
        .library(name: "Models", targets: ["Models"]),
        .library(name: "Generation", targets: ["Generation"]),
        .library(name: "Training", targets: ["Training"]),
        .library(name: "Tasks", targets: ["Tasks"]),
        .executable(name: "rlref", targets: ["rlref"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // C libraries from Debian (libopenblas-dev, liblapacke-dev, libpng-dev); nothing else imports C.
        .systemLibrary(name: "CBLAS", path: "Sources/CBLAS"),
        .systemLibrary(name: "CLAPACKE", path: "Sources/CLAPACKE"),
        .systemLibrary(name: "CPNG", path: "Sources/CPNG"),
        // Scalars, dense tensors, BLAS/LAPACK/PNG wrappers, seeded RNG.
        .target(name: "Tensor", dependencies: ["CBLAS", "CLAPACKE", "CPNG"]),
        // One file per Spec: pure forward functions with hand-derived backward passes.
        .target(name: "RLAlgorithms", dependencies: ["Tensor"], resources: [.copy("Resources")]),
        // Golden-file format, JSON, tolerance comparison, finite-difference gradient checks.
        .target(name: "Verification", dependencies: ["Tensor"]),
        // The tiny LLaVA-layout model runner: layers as forward/backward pairs, LoRA, value head,
        // Hugging Face file formats.
        .target(name: "Models", dependencies: ["Tensor", "RLAlgorithms", "Verification"]),
        // Autoregressive generation: key/value cache, logits processors, sampling, beam search.
        .target(name: "Generation", dependencies: ["Tensor", "RLAlgorithms", "Models"]),
        // Environments and data sets rendered locally (GymCards, shapes VQA, shapes captioning), the
        // bitmap font and canvas they draw with.
        .target(name: "Tasks", dependencies: ["Tensor", "RLAlgorithms"]),
        // Training on top of the model runner: parameter-group optimisers calling RLAlgorithms' steps.
        .target(name: "Training", dependencies: ["Tensor", "RLAlgorithms", "Models", "Generation", "Tasks", "Verification"]),
        // Binds each Spec name to its RLAlgorithms functions for golden verification and `rlref eval`.
        .target(name: "SpecCatalog", dependencies: ["Tensor", "RLAlgorithms", "Verification", "Models", "Generation", "Tasks"]),
        // Test-only helpers: locating GoldenData, turning harness reports into test failures.
        .target(name: "TestSupport", dependencies: ["Verification", "Models"]),
        .executableTarget(
            name: "rlref",
            dependencies: [
                "Tensor", "RLAlgorithms", "Verification", "SpecCatalog", "Models", "Generation", "Training", "Tasks",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .testTarget(name: "TensorTests", dependencies: ["Tensor", "TestSupport"]),
        .testTarget(name: "VerificationTests", dependencies: ["Verification", "SpecCatalog", "TestSupport"]),
        .testTarget(name: "RLAlgorithmsTests", dependencies: ["RLAlgorithms", "SpecCatalog", "TestSupport"]),
        .testTarget(name: "ModelsTests", dependencies: ["Models", "SpecCatalog", "TestSupport"]),
        .testTarget(name: "GenerationTests", dependencies: ["Generation", "Models", "SpecCatalog", "TestSupport"]),
        .testTarget(name: "TasksTests", dependencies: ["Tasks", "SpecCatalog", "TestSupport", "Verification", "Models", "RLAlgorithms", "Tensor"]),
        .testTarget(name: "TrainingTests", dependencies: ["Training", "Models", "Generation", "Tasks", "TestSupport"]),
        .testTarget(name: "ConsistencyTests", dependencies: ["SpecCatalog", "TestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
