/// The training log's schema: the single source of truth for its tables, indexes and views
/// (documented column by column in docs/database.md; a test checks that every column and view is).
///
/// Stored version: `PRAGMA user_version`. The schema is a history, not a snapshot: version 1's SQL
/// is kept verbatim, and each later version is one upgrade script in `upgrades`. A new database is
/// built by running version 1 and then every upgrade, so a fresh file and an upgraded old file
/// are the same schema by construction, and the upgrade path runs on every new database rather than
/// only on the rare old one. Never edit a released script: add a new version instead. A database
/// with a newer version than `version` is refused rather than guessed at.
/// Conventions: snake_case names; timestamps are ISO-8601 UTC text (`2025-01-31T12:00:00.000Z`);
/// metric columns are nullable because SQLite stores a NaN as NULL (a diverged loss is a fact worth
/// logging, not a reason to lose the row); re-logging a (run, step) replaces the earlier row.
enum TrainingLogSchema {
  /// The version this build writes: 1 + the number of upgrade scripts.
  static var version: Int { 1 + upgrades.count }

  /// `upgrades[i]` takes a database from version `i + 1` to version `i + 2`. Each runs in the same
  /// transaction as the `user_version` bump, so an upgrade is all or nothing.
  static let upgrades: [String] = [upgradeToVersion2, upgradeToVersion3]

  /// Creates every table, index and view of version 1 in an empty database.
  static let createVersion1 = """
    -- One training run. `name` is not unique: a run can be repeated (see latest run by name).
    CREATE TABLE runs (
      id INTEGER PRIMARY KEY,
      name TEXT NOT NULL,
      config TEXT NOT NULL CHECK (json_valid(config)),  -- resolved configuration, JSON
      seed INTEGER,
      source_vocab_size INTEGER,
      target_vocab_size INTEGER,
      train_pairs INTEGER,
      blas TEXT,                      -- matrix-product backend that ran, e.g. "openblas Haswell"
      started_at TEXT NOT NULL,
      ended_at TEXT,                  -- NULL while running, and for runs found interrupted
      status TEXT NOT NULL DEFAULT 'running'
        CHECK (status IN ('running', 'completed', 'interrupted', 'failed')),
      final_step INTEGER,
      best_bleu REAL,
      pid INTEGER,                    -- process that owns a 'running' run: lets a later open
      host TEXT                       -- tell a crashed run from a live one
    );
    CREATE INDEX runs_by_name ON runs (name, id);
    CREATE INDEX runs_by_status ON runs (status);

    -- Training loss and speed, one row per logged optimiser step.
    CREATE TABLE steps (
      run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
      step INTEGER NOT NULL,
      epoch INTEGER NOT NULL,
      loss REAL,                      -- mean cross-entropy per target token, nats
      perplexity REAL,
      learning_rate REAL,
      grad_norm REAL,                 -- global L2 norm before clipping
      tokens_per_second REAL,
      elapsed_seconds REAL,           -- wall time since the run started
      PRIMARY KEY (run_id, step)
    ) WITHOUT ROWID;

    -- Dev-set evaluations.
    CREATE TABLE evaluations (
      run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
      step INTEGER NOT NULL,
      dev_loss REAL,
      bleu REAL,                      -- corpus BLEU, 0...100
      bleu_signature TEXT,            -- how BLEU was computed (tokenisation, smoothing, ...)
      elapsed_seconds REAL,
      PRIMARY KEY (run_id, step)
    ) WITHOUT ROWID;

    -- Checkpoint files written. is_best = 1 on the run's current best only: logging a new best
    -- clears the flag on earlier rows of the run.
    CREATE TABLE checkpoints (
      id INTEGER PRIMARY KEY,
      run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
      step INTEGER NOT NULL,
      path TEXT NOT NULL,
      bleu REAL,
      is_best INTEGER NOT NULL DEFAULT 0 CHECK (is_best IN (0, 1)),
      created_at TEXT NOT NULL
    );
    CREATE INDEX checkpoints_by_run ON checkpoints (run_id, step);

    -- Fixed sentences whose attention is recorded at each evaluation.
    CREATE TABLE probes (
      run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
      probe INTEGER NOT NULL,         -- 0-based index
      source TEXT NOT NULL,           -- space-joined source tokens
      reference TEXT NOT NULL,        -- space-joined reference tokens
      PRIMARY KEY (run_id, probe)
    ) WITHOUT ROWID;

    -- Attention weights of a probe's greedy translation: one row per (target, source) position.
    -- target_token is the token the model produced at that position, source_token the source word
    -- (stored so `sqlite3` users can read alignments without joins).
    CREATE TABLE alignments (
      run_id INTEGER NOT NULL,
      step INTEGER NOT NULL,
      probe INTEGER NOT NULL,
      target_position INTEGER NOT NULL,
      source_position INTEGER NOT NULL,
      target_token TEXT NOT NULL,
      source_token TEXT NOT NULL,
      weight REAL,
      PRIMARY KEY (run_id, step, probe, target_position, source_position),
      FOREIGN KEY (run_id, probe) REFERENCES probes (run_id, probe) ON DELETE CASCADE
    ) WITHOUT ROWID;

    -- Each run's best BLEU and the step that reached it (the earliest, on ties).
    CREATE VIEW best_evaluations AS
    SELECT run_id, step, bleu, dev_loss, bleu_signature, elapsed_seconds
    FROM (
      SELECT e.*, row_number() OVER (PARTITION BY run_id ORDER BY bleu DESC, step) AS rank
      FROM evaluations AS e
      WHERE bleu IS NOT NULL
    )
    WHERE rank = 1;

    -- For each produced target token: the source position it attends to most (lowest position
    -- on ties).
    CREATE VIEW alignment_argmax AS
    SELECT run_id, step, probe, target_position, target_token, source_position, source_token, weight
    FROM (
      SELECT a.*, row_number() OVER (
          PARTITION BY run_id, step, probe, target_position
          ORDER BY weight DESC, source_position) AS rank
      FROM alignments AS a
    )
    WHERE rank = 1;

    -- Every probe's alignment rows at the last step the run logged alignments for (its last
    -- evaluation, when alignments are logged at each evaluation).
    CREATE VIEW latest_alignments AS
    SELECT a.*
    FROM alignments AS a
    JOIN (SELECT run_id, max(step) AS step FROM alignments GROUP BY run_id) AS last
      ON a.run_id = last.run_id AND a.step = last.step;
    """

  /// Version 2: chrF and AER beside BLEU, the dev-set size and final metrics on `runs`, a resume
  /// counter, the best evaluation's new metrics, per-probe latest alignments and an
  /// attention-entropy view.
  static let upgradeToVersion2 = """
    ALTER TABLE runs ADD COLUMN dev_pairs INTEGER;
    ALTER TABLE runs ADD COLUMN best_step INTEGER;          -- step of the best dev BLEU
    ALTER TABLE runs ADD COLUMN best_chrf REAL;             -- best dev chrF, 0...100
    ALTER TABLE runs ADD COLUMN final_dev_loss REAL;        -- dev loss of the last evaluation
    ALTER TABLE runs ADD COLUMN final_bleu REAL;            -- dev BLEU of the last evaluation
    ALTER TABLE runs ADD COLUMN resume_count INTEGER NOT NULL DEFAULT 0;  -- times continued

    ALTER TABLE evaluations ADD COLUMN chrf REAL;           -- corpus chrF, 0...100
    ALTER TABLE evaluations ADD COLUMN chrf_signature TEXT;
    ALTER TABLE evaluations ADD COLUMN aer REAL;            -- alignment error rate, 0...1 (lower is better)

    DROP VIEW best_evaluations;
    -- Each run's best BLEU and the step that reached it (the earliest, on ties).
    CREATE VIEW best_evaluations AS
    SELECT run_id, step, bleu, chrf, aer, dev_loss, bleu_signature, chrf_signature, elapsed_seconds
    FROM (
      SELECT e.*, row_number() OVER (PARTITION BY run_id ORDER BY bleu DESC, step) AS rank
      FROM evaluations AS e
      WHERE bleu IS NOT NULL
    )
    WHERE rank = 1;

    DROP VIEW latest_alignments;
    -- Every probe's alignment rows at the last step that probe was logged at (version 1 took the
    -- run's last alignment step, which hid probes not logged at that step).
    CREATE VIEW latest_alignments AS
    SELECT a.*
    FROM alignments AS a
    JOIN (SELECT run_id, probe, max(step) AS step FROM alignments GROUP BY run_id, probe) AS last
      ON a.run_id = last.run_id AND a.probe = last.probe AND a.step = last.step;

    -- Entropy (nats) of each produced target token's attention distribution: 0 when it attends
    -- to one source word, ln(source length) when it spreads evenly. Zero weights contribute 0.
    CREATE VIEW alignment_entropy AS
    SELECT run_id, step, probe, target_position, target_token,
           -sum(CASE WHEN weight > 0 THEN weight * ln(weight) ELSE 0 END) AS entropy,
           ln(count(*)) AS max_entropy
    FROM alignments
    GROUP BY run_id, step, probe, target_position;
    """

  /// Version 3: the processor a run trained on, beside the kernels (`blas`) chosen for it.
  static let upgradeToVersion3 = """
    ALTER TABLE runs ADD COLUMN cpu TEXT;  -- vendor, family and model, brand, the vector features used
    """
}
