// swift-tools-version:6.0
// Attend: attention-based neural machine translation, trained from scratch on a CPU.
import PackageDescription

// Hot numeric loops: no overflow traps (they block vectorisation) and the host's vector ISA.
// The product is built from source on the machine that runs it, so `-march=native` is safe here.
let kernelFlags: [SwiftSetting] = [
  .unsafeFlags(["-Ounchecked", "-Xcc", "-march=native"], .when(configuration: .release)),
  .unsafeFlags(["-Xcc", "-march=native"], .when(configuration: .debug)),
]

let package = Package(
  name: "Attend",
  platforms: [.macOS(.v13)],
  products: [
    .executable(name: "attend", targets: ["attend"])
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
    .package(url: "https://github.com/jpsim/Yams", exact: "6.2.2"),
  ],
  targets: [
    // MARK: C shims
    // OpenBLAS is opened at run time (dlopen) so Attend can choose its kernel path before the
    // library's constructor reads OPENBLAS_CORETYPE; see Sources/COpenBLAS/include/openblas_loader.h.
    .target(name: "COpenBLAS", linkerSettings: [.linkedLibrary("dl")]),
    // CPUID and XGETBV, so kernels are chosen by the processor's features; built with the same
    // `-march=native` as the kernels, so it can also tell which vector ISA they were compiled for.
    .target(name: "CCPUID", cSettings: [.unsafeFlags(["-march=native"])]),
    // oneDNN's sgemm, opened at run time where libdnnl is installed (Sources/COneDNN/include).
    .target(name: "COneDNN", linkerSettings: [.linkedLibrary("dl")]),
    // The system's libsqlite3 (Debian: libsqlite3-dev).
    .systemLibrary(name: "CSQLite", providers: [.apt(["libsqlite3-dev"])]),

    // MARK: Libraries, lowest layer first
    // Flat Float buffers, matrix products, vectorised activations, random numbers.
    .target(name: "AttendKernels", dependencies: ["COpenBLAS", "COneDNN", "CCPUID"], swiftSettings: kernelFlags),
    // Parameters and layers with hand-written forward and backward passes; the seq2seq model.
    .target(name: "AttendModel", dependencies: ["AttendKernels", "AttendData"], swiftSettings: kernelFlags),
    // Text to ids to batches (below the model: layers consume its `Batch`): corpora readers, toy corpus generators, vocabularies, batching.
    .target(name: "AttendData", dependencies: ["AttendKernels"]),
    // Scores: BLEU and chrF as sacreBLEU computes them, alignment error rate.
    .target(name: "AttendEvaluation", dependencies: ["AttendData"]),
    // Decoding: greedy and beam search, unknown-word replacement.
    .target(name: "AttendSearch", dependencies: ["AttendModel", "AttendData"], swiftSettings: kernelFlags),
    // What lasts: the SQLite training log and binary checkpoints.
    .target(name: "AttendStorage", dependencies: ["CSQLite", "AttendModel", "AttendData"]),
    // Seeing the training log: terminal and SVG/PNG attention heatmaps, the HTML run report.
    .target(name: "AttendReport", dependencies: ["AttendStorage"]),
    // Configuration, optimiser and the training loop.
    .target(
      name: "AttendTraining",
      dependencies: [
        "AttendModel", "AttendData", "AttendSearch", "AttendEvaluation", "AttendStorage",
        .product(name: "Yams", package: "Yams"),
      ],
      swiftSettings: kernelFlags),
    // The `attend` subcommands.
    .target(
      name: "AttendCLI",
      dependencies: [
        "AttendTraining", "AttendSearch", "AttendStorage", "AttendEvaluation", "AttendData", "AttendReport",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]),
    .executableTarget(name: "attend", dependencies: ["AttendCLI"]),

    // MARK: Tests, one target per library
    .testTarget(name: "AttendKernelsTests", dependencies: ["AttendKernels"]),
    // Fixtures/: PyTorch-computed losses and gradients (scripts/make_gradient_fixtures.py), read by path.
    .testTarget(name: "AttendModelTests", dependencies: ["AttendModel"], exclude: ["Fixtures"]),
    .testTarget(name: "AttendDataTests", dependencies: ["AttendData"]),
    .testTarget(name: "AttendEvaluationTests", dependencies: ["AttendEvaluation"]),
    // Trains a tiny model with AttendTraining's Adam, so beam search is tested on a real model.
    .testTarget(name: "AttendSearchTests", dependencies: ["AttendSearch", "AttendTraining"]),
    // Test helper: writes to a training log until killed (TrainingLogCrashTests SIGKILLs it).
    .executableTarget(name: "attend-log-writer", dependencies: ["AttendStorage"], path: "Tests/AttendLogWriter"),
    .testTarget(name: "AttendStorageTests", dependencies: ["AttendStorage", "attend-log-writer"]),
    .testTarget(name: "AttendReportTests", dependencies: ["AttendReport"]),
    // Fixtures/ holds a version 1 checkpoint, read by path (#filePath).
    .testTarget(name: "AttendTrainingTests", dependencies: ["AttendTraining"], exclude: ["Fixtures"]),
    // Depends on the `attend` executable so that `swift test` builds it: the checkpoint tests run
    // it as a child process (and kill it with SIGKILL).
    .testTarget(name: "AttendCLITests", dependencies: ["AttendCLI", "attend"]),
  ],
  swiftLanguageModes: [.v5]
)
