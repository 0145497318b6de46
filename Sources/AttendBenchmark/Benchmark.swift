import AttendCheckpoint
import AttendData
import AttendKernels
import AttendModel
import AttendSearch
import AttendTraining
import Foundation

/// The measurements behind `attend bench`: sgemm peak, training throughput, decoding speed.
/// Every figure is a median over repeats, measured in this process on the threads given.
public enum Benchmark {
  /// A model size the benchmark runs, as issue #8 and BENCHMARKS.md name them.
  public struct Setup: Sendable {
    public var name: String
    public var model: ModelConfig
    public var batchSize: Int

    public static func small() -> Setup {
      var m = ModelConfig()
      (m.embeddingSize, m.hiddenSize, m.attentionSize, m.bidirectional) = (128, 128, 128, false)
      return Setup(name: "small", model: m, batchSize: 32)
    }

    public static func medium() -> Setup {
      var m = ModelConfig()
      (m.embeddingSize, m.hiddenSize, m.attentionSize, m.bidirectional) = (256, 256, 256, true)
      return Setup(name: "medium", model: m, batchSize: 64)
    }

    /// `medium` with Luong's general score and input feeding instead of Bahdanau's.
    public static func mediumLuong() -> Setup {
      var setup = medium()
      setup.name = "medium-luong"
      setup.model.attention = .general
      return setup
    }
  }

  public struct GemmResult: Sendable {
    public var m: Int, n: Int, k: Int
    public var gflops: Double
  }

  /// sgemm GFLOP/s at model-sized shapes (median of `repeats` timings of `calls` products).
  public static func sgemm(
    shapes: [(Int, Int, Int)] = [(64, 768, 256), (64, 5000, 256), (640, 768, 256), (640, 5000, 256)],
    repeats: Int = 7, calls: Int = 20
  ) -> [GemmResult] {
    shapes.map { (m, n, k) in
      var rng = RandomGenerator(seed: 1)
      let a = FloatBuffer((0..<(m * k)).map { _ in rng.nextFloat() - 0.5 })
      let b = FloatBuffer((0..<(k * n)).map { _ in rng.nextFloat() - 0.5 })
      let c = FloatBuffer(count: m * n)
      BLAS.gemm(transB: true, m: m, n: n, k: k, a: a.pointer, lda: k, b: b.pointer, ldb: k, beta: 0, c: c.pointer, ldc: n)
      let times = (0..<repeats).map { _ in
        seconds {
          for _ in 0..<calls {
            BLAS.gemm(
              transB: true, m: m, n: n, k: k, a: a.pointer, lda: k, b: b.pointer, ldb: k, beta: 0,
              c: c.pointer, ldc: n)
          }
        }
      }
      return GemmResult(m: m, n: n, k: k, gflops: 2 * Double(m * n * k * calls) / median(times) / 1e9)
    }
  }

  public struct SmallRowsResult: Sendable {
    public var m: Int, n: Int, k: Int
    /// Microseconds per product on SmallRowsGemm and on OpenBLAS.
    public var kernelMicroseconds: Double
    public var openBLASMicroseconds: Double
  }

  /// Decoder-step products of a few rows (one sentence, one beam) against weight matrices of the
  /// medium model, timed on SmallRowsGemm and on OpenBLAS.
  public static func smallRows(
    rows: [Int] = [1, 5, 8, 16], shapes: [(Int, Int)] = [(1489, 256), (768, 768), (256, 1024)], repeats: Int = 5,
    calls: Int = 200
  ) -> [SmallRowsResult] {
    var results: [SmallRowsResult] = []
    for m in rows {
      for (n, k) in shapes {
        var rng = RandomGenerator(seed: 1)
        let a = FloatBuffer((0..<(m * k)).map { _ in rng.nextFloat() - 0.5 })
        let b = FloatBuffer((0..<(k * n)).map { _ in rng.nextFloat() - 0.5 })
        let c = FloatBuffer(count: m * n)
        func time(smallRows: Bool) -> Double {
          let saved = BLAS.usesSmallRowsKernel
          defer { BLAS.usesSmallRowsKernel = saved }
          BLAS.usesSmallRowsKernel = smallRows
          let run = {
            for _ in 0..<calls {
              BLAS.gemm(
                transB: true, m: m, n: n, k: k, a: a.pointer, lda: k, b: b.pointer, ldb: k, beta: 0,
                c: c.pointer, ldc: n)
            }
          }
          run()
          return median((0..<repeats).map { _ in seconds(run) }) / Double(calls) * 1e6
        }
        results.append(
          SmallRowsResult(
            m: m, n: n, k: k, kernelMicroseconds: time(smallRows: true), openBLASMicroseconds: time(smallRows: false)))
      }
    }
    return results
  }

  public struct TrainingResult: Sendable {
    /// Target tokens (padding excluded) per second, median over repeats.
    public var tokensPerSecond: Double
    public var allTokensPerSecond: [Double]
    /// Matrix-product FLOPs per second actually issued (forward and backward), median.
    public var gflops: Double
    public var steps: Int
    public var parameters: Int
  }

  /// Times full training steps (forward, backward, clipping, Adam) over `batches`, after
  /// `warmup` untimed steps. Each repeat runs every batch once.
  public static func training(
    model: Seq2Seq, batches: [Batch], warmup: Int = 3, repeats: Int = 3, seed: UInt64 = 1
  ) -> TrainingResult {
    let step = TrainingStep(model: model, optimizer: Adam(parameterCount: model.parameters.count), clipNorm: 1)
    var rng = RandomGenerator(seed: seed)
    for i in 0..<warmup { step(batches[i % batches.count], learningRate: 1e-3, rng: &rng) }
    let tokens = batches.reduce(0) { $0 + $1.targetTokenCount }
    var rates: [Double] = [], flopRates: [Double] = []
    for _ in 0..<repeats {
      let counter = FLOPCounter()
      let time = counter.counting { seconds { for batch in batches { step(batch, learningRate: 1e-3, rng: &rng) } } }
      rates.append(Double(tokens) / time)
      flopRates.append(counter.flops / time / 1e9)
    }
    return TrainingResult(
      tokensPerSecond: median(rates), allTokensPerSecond: rates, gflops: median(flopRates),
      steps: batches.count, parameters: model.parameters.count)
  }

  /// A freshly initialised model of `setup` for the given vocabulary sizes.
  public static func model(_ setup: Setup, sourceVocabulary: Int, targetVocabulary: Int, seed: UInt64 = 1) -> Seq2Seq {
    var config = setup.model
    config.sourceVocabularySize = sourceVocabulary
    config.targetVocabularySize = targetVocabulary
    return Seq2Seq(config: config, seed: seed)
  }

  /// Writes what scripts/bench_pytorch.py needs to rebuild `model` exactly: `<name>.json` (the
  /// model config, the tensor table, and `extra` entries such as batches) and
  /// `<name>.weights.bin` (all parameters, little-endian Float32, in parameter-store order).
  public static func writeReference(
    _ model: Seq2Seq, name: String, directory: String, extra: [String: Any]
  ) throws {
    let configObject = try JSONSerialization.jsonObject(with: try StoredJSON.encoder().encode(model.config))
    var spec = extra
    spec["model"] = configObject
    spec["tensors"] = model.parameters.infos.map { ["name": $0.name, "shape": $0.shape, "offset": $0.offset] }
    try JSONSerialization.data(withJSONObject: spec).write(to: URL(fileURLWithPath: "\(directory)/\(name).json"))
    let store = model.parameters
    let bytes = Data(bytes: store.values.pointer, count: store.count * MemoryLayout<Float>.size)
    try bytes.write(to: URL(fileURLWithPath: "\(directory)/\(name).weights.bin"))
  }

  /// A batch as the JSON the PyTorch script reads: id lists without `<s>`/`</s>`, read back
  /// from the padded time-major layout so both sides see exactly the same sentences.
  public static func referenceBatch(_ batch: Batch) -> [String: Any] {
    let b = batch.size
    let sources = (0..<b).map { i in (0..<Int(batch.sourceLengths[i])).map { Int(batch.sourceTokens[$0 * b + i]) } }
    let targets = (0..<b).map { i in (0..<(Int(batch.targetLengths[i]) - 1)).map { Int(batch.targetOutput[$0 * b + i]) } }
    return ["sources": sources, "targets": targets]
  }

  /// Greedy decoding throughput in sentences per second at `batchSize`, median over repeats.
  public static func greedy(
    model: Seq2Seq, sources: [[Int32]], batchSize: Int = 64, maxLengthRatio: Double = 2, repeats: Int = 3
  ) -> Double {
    let evaluator = Evaluator(batchSize: batchSize, maxOutputRatio: maxLengthRatio)
    let workspace = Workspace()
    _ = evaluator.translate(model, sources: Array(sources.prefix(batchSize)), workspace: workspace)
    let times = (0..<repeats).map { _ in
      seconds { _ = evaluator.translate(model, sources: sources, workspace: workspace) }
    }
    return Double(sources.count) / median(times)
  }

  /// Beam search latency, one sentence at a time (seconds per sentence, median over repeats).
  public static func beamLatency(model: Seq2Seq, sources: [[Int32]], beamSize: Int, repeats: Int = 3) -> Double {
    let workspace = Workspace()
    let options = SearchOptions(beamSize: beamSize, lengthNormalization: .average)
    _ = BeamSearch.translate(model, sources: [sources[0]], options: options, workspace: workspace)
    let times = (0..<repeats).map { _ in
      seconds { for source in sources { _ = BeamSearch.translate(model, sources: [source], options: options, workspace: workspace) } }
    }
    return median(times) / Double(sources.count)
  }

  /// Peak resident set size of this process so far, in MiB.
  public static var peakResidentMiB: Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_maxrss) / 1024  // Linux reports KiB
  }

  public static func seconds(_ body: () -> Void) -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
  }

  public static func median(_ xs: [Double]) -> Double {
    let s = xs.sorted()
    if s.isEmpty { return 0 }
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
  }
}
