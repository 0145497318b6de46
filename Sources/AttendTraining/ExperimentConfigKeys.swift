import AttendData
import AttendModel

// The `data`, `training` and `logging` sections' keys (ConfigKey.swift in AttendModel; the
// `model` section's are in ModelConfigKeys.swift): the loader, the range checks, the stored JSON
// and docs/config-reference.md all come from these lists. The defaults are the properties'
// initial values in ExperimentConfig.swift; checks between keys are in ConfigLoader.swift.

extension DataConfig: DeclaredConfig {
  public static let keys: [ConfigKey<DataConfig>] = [
    .path("train", \.train,
      "training corpus: TSV, or the source-side file of parallel files")
      .required("path to the training corpus: TSV, or the source side of parallel files"),
    .path("train_target", \.trainTarget,
      "the target-side file parallel to `train`; set it to read parallel files instead of TSV"),
    .path("dev", \.dev,
      "development corpus (same form as `train`), evaluated every `training.eval_every` steps; required unless `dev_size` is set"),
    .path("dev_target", \.devTarget,
      "target side of `dev` (required with `dev` when `train_target` is set)"),
    .path("test", \.test,
      "test corpus (same form), for `attend eval`")
      .changeableOnResumeKey(),
    .path("test_target", \.testTarget,
      "target side of `test` (required with `test` when `train_target` is set)"),
    .integer("source_column", \.sourceColumn, atLeast: 0,
      "TSV column (0-based) of the source side"),
    .integer("target_column", \.targetColumn, atLeast: 0,
      "TSV column of the target side; swap the two columns to translate the other way"),
    .integer("dev_size", \.devSize, atLeast: 0,
      "without `dev`: carve this many pairs off `train` as the dev set (pairs with the same source sentence stay together)"),
    .integer("test_size", \.testSize, atLeast: 0,
      "without `test`: carve this many pairs off `train` as a test set that is never trained on (`attend corpus split` writes the same split)"),
    .unsigned("split_seed", \.splitSeed,
      "seed of the dev/test carving"),
    .choice("bad_lines", \.badLines,
      "a line that is not a pair (invalid UTF-8, no tab, missing column, empty side): `error` stops naming the file and line; `skip` leaves it out and counts it in the report"),
    .path("dev_alignments", \.devAlignments,
      "gold word alignments for `dev` in Pharaoh format (`i-j` sure, `i?j` possible, 0-based, one line per pair); needs a `dev` file, `merges: 0` and `split_punctuation: false` (links index whitespace-separated words)"),
    .choice("normalization", \.normalization,
      "Unicode normalisation of every line: `none`, `nfc` (composed accents) or `nfkc` (also folds ligatures, full-width letters, …)")
      .whenAbsentFromStoredConfigs(.text(UnicodeNormalization.none.rawValue)),  // older runs did not normalise
    .bool("lowercase", \.lowercase,
      "lowercase both sides (BLEU then compares lowercased references)"),
    .bool("split_punctuation", \.splitPunctuation,
      "split punctuation and symbols from words, marking with `￭` where they touched, so the output is detokenised exactly (`Run!` → `Run ￭!` → `Run!`)"),
    .integer("merges", \.merges, atLeast: 0,
      "byte-pair-encoding merges learned from the training text (0 = whole words)"),
    .bool("joint_merges", \.jointMerges,
      "learn one set of merges from both sides together (`false`: one set per side)"),
    .integer("min_length", \.minLength, atLeast: 1,
      "training pairs with fewer model tokens (after subwords) than this on a side are dropped"),
    .integer("max_length", \.maxLength, atLeast: 1,
      "pairs with more model tokens than this on a side are dropped, from training and dev (counted, by reason)"),
    .integer("min_source_length", \.minSourceLength, atLeast: 1, unset: "`min_length`",
      "per-side override of `min_length`"),
    .integer("max_source_length", \.maxSourceLength, atLeast: 1, unset: "`max_length`",
      "per-side override of `max_length`"),
    .integer("min_target_length", \.minTargetLength, atLeast: 1, unset: "`min_length`",
      "per-side override of `min_length`"),
    .integer("max_target_length", \.maxTargetLength, atLeast: 1, unset: "`max_length`",
      "per-side override of `max_length`"),
    .integer("min_frequency", \.minFrequency, atLeast: 1,
      "tokens seen fewer times than this in training become `<unk>`"),
    .integer("max_vocabulary", \.maxVocabulary, atLeast: 0,
      "keep at most this many tokens per side, specials included, most frequent first (0 = no limit)"),
    .integer("batch_tokens", \.batchTokens, atLeast: 0,
      "token-based batching: each batch holds at most this many padded tokens, `B × max(longest source, longest target + 1)` (0 = `training.batch_size` pairs per batch)"),
    .bool("bucketing", \.bucketing,
      "batch sentences of similar length together (less padding)"),
  ]

  public static var defaults: DataConfig { DataConfig(train: "", dev: nil) }

  /// Stored configs (database, checkpoints) written before a key existed read as its default.
  public init(from decoder: Swift.Decoder) throws { try self.init(declaredFrom: decoder) }

  public func encode(to encoder: Swift.Encoder) throws { try encodeDeclared(to: encoder) }
}

extension TrainingConfig: DeclaredConfig {
  public static let keys: [ConfigKey<TrainingConfig>] = [
    .unsigned("seed", \.seed,
      "seed for initialisation, shuffling and teacher-forcing draws"),
    .integer("batch_size", \.batchSize, atLeast: 1,
      "sentence pairs per optimiser step"),
    .integer("epochs", \.epochs, atLeast: 1,
      "passes over the training data")
      .changeableOnResumeKey(),
    .integer("max_steps", \.maxSteps, atLeast: 0,
      "stop after this many optimiser steps (0 = no limit)")
      .changeableOnResumeKey(),
    .number("time_limit_minutes", \.timeLimitMinutes, .nonNegative,
      "stop after this many minutes of wall-clock time (0 = no limit)")
      .changeableOnResumeKey(),
    .choice("optimizer", \.optimizer,
      "`adam` (Kingma & Ba 2015; β1 0.9, β2 0.999, ε 1e-8) or `sgd` (plain SGD, with `momentum`; Luong et al. 2015 used it at `learning_rate: 1.0` with `lr_decay_start_epoch: 5`)"),
    .number("learning_rate", \.learningRate, .positive,
      "the optimizer's step size at the start (the schedule below may lower it)")
      .derived("`0.001` with `adam`, `1.0` with `sgd`") { config in .number(config.optimizer == .sgd ? 1.0 : 0.001) },
    .number("momentum", \.momentum, .belowOne,
      "`sgd` only: momentum μ of b ← μ b + g, θ ← θ − lr · b, as `torch.optim.SGD` (0 = plain SGD)"),
    .number("clip_norm", \.clipNorm, .nonNegative,
      "rescale gradients whose global L2 norm exceeds this (0 disables clipping)"),
    .number("teacher_forcing", \.teacherForcing, .unitInterval,
      "probability of feeding the gold previous word to the decoder instead of its own prediction"),
    .integer("eval_every", \.evalEvery, atLeast: 1,
      "evaluate on dev every this many steps: loss, BLEU and chrF of greedy translations, AER when `data.dev_alignments` is set, attention probes"),
    .number("max_output_ratio", \.maxOutputRatio, .positive,
      "greedy decoding stops after `max_output_ratio × source length + 5` tokens"),
    .integer("threads", \.threads, atLeast: 1,
      "threads for the numeric kernels: 2 splits large matrix products, the decoder's small ones, the optimizer and clipping over two cores (the training thread and one kernel thread; more than 2 acts as 2); the product library itself always runs single-threaded")
      .changeableOnResumeKey(),
    .path("checkpoint_dir", \.checkpointDir,
      "checkpoint directory; a run's files go in `checkpoint_dir/<run_name>/`")
      .changeableOnResumeKey(),
    .integer("keep_last", \.keepLast, atLeast: 1,
      "step checkpoints kept because they are the newest; `latest.ckpt` points to the newest (docs/checkpoint-format.md)")
      .changeableOnResumeKey(),
    .integer("keep_best", \.keepBest, atLeast: 1,
      "step checkpoints kept because their dev metric is best; `best.ckpt` points to the best")
      .changeableOnResumeKey(),
    .choice("eval_metric", \.evalMetric,
      "the dev metric that picks the best checkpoint and drives `patience` and `lr_patience`; choices: `bleu`, `chrf` (higher is better), `dev_loss`, `aer` (lower is better; `aer` needs `data.dev_alignments`). See docs/evaluation.md"),
    .integer("patience", \.patience, atLeast: 0,
      "early stopping: stop after this many evaluations in a row without a better `eval_metric` (0 = never)")
      .changeableOnResumeKey(),
    .number("lr_reduction_factor", \.lrReductionFactor, .positiveUnitInterval,
      "on a plateau (see `lr_patience`), multiply the learning rate by this"),
    .integer("lr_patience", \.lrPatience, atLeast: 0,
      "a plateau is this many evaluations in a row without a better `eval_metric`; the count restarts after each reduction (0 = never reduce)"),
    .number("min_learning_rate", \.minLearningRate, .nonNegative,
      "reductions (plateau and per-epoch) never take the learning rate below this"),
    .integer("lr_decay_start_epoch", \.lrDecayStartEpoch, atLeast: 0,
      "after this epoch and after every later one, multiply the learning rate by `lr_decay_factor` (Luong et al. 2015: 5, so epochs 1–5 run at the full rate, epoch 6 at half, …); any optimizer (0 = never)"),
    .number("lr_decay_factor", \.lrDecayFactor, .positiveUnitInterval,
      "the factor of that per-epoch decay"),
  ]

  public static var defaults: TrainingConfig { TrainingConfig() }

  public init(from decoder: Swift.Decoder) throws { try self.init(declaredFrom: decoder) }

  public func encode(to encoder: Swift.Encoder) throws { try encodeDeclared(to: encoder) }
}

extension LoggingConfig: DeclaredConfig {
  public static let keys: [ConfigKey<LoggingConfig>] = [
    .name("run_name", \.runName, default: "config file name without extension",
      "the run's name in the database and its checkpoint subdirectory"),
    .path("database", \.database,
      "SQLite database recording runs, metrics and attention probes"),
    .integer("log_every", \.logEvery, atLeast: 1,
      "log the training loss every this many steps"),
    .integer("probes", \.probes, atLeast: 0,
      "number of dev sentences whose attention is logged at every evaluation"),
  ]

  public static var defaults: LoggingConfig { LoggingConfig(runName: "") }

  public init(from decoder: Swift.Decoder) throws { try self.init(declaredFrom: decoder) }

  public func encode(to encoder: Swift.Encoder) throws { try encodeDeclared(to: encoder) }
}
