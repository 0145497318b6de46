import AttendStorage
import Foundation

/// `attend report`: one self-contained HTML file about one run. Everything is inline (CSS, SVG
/// charts, the attention data as JSON and a small script that draws it), so the file opens from
/// disk, mails as one attachment and never fetches anything from the network.
///
/// Sections: the run's facts and final metrics; training and dev loss, BLEU/chrF and AER curves
/// (SVG drawn here); the evaluations table; one attention heatmap per probe sentence with a
/// slider (and ←/→ buttons) that moves through the evaluations; the resolved config. The script
/// sets `data-status="ready"` on `<body>` once every heatmap is drawn, or `data-status="error: …"`,
/// which is what scripts/check-report.sh waits for in headless Chromium.
public struct HTMLReport {
  public var history: RunHistory

  public init(history: RunHistory) {
    self.history = history
  }

  /// The HTML document.
  public func render() throws -> String {
    let run = history.run
    let html = """
      <!DOCTYPE html>
      <html lang="en">
      <head>
      <meta charset="utf-8">
      <meta name="viewport" content="width=device-width, initial-scale=1">
      <title>Attend run \(esc(run.name)) (#\(run.id))</title>
      <style>\(Self.css)</style>
      </head>
      <body data-status="loading">
      <header>
      <h1>Attend run <span class="name">\(esc(run.name))</span> <span class="status \(run.status.rawValue)">\(run.status.rawValue)</span></h1>
      \(factsTable())
      </header>
      <section id="curves">
      <h2>Training curves</h2>
      <div class="charts">
      \(lossChart().render())\(qualityChart().render())\(alignmentErrorChart()?.render() ?? "")
      </div>
      </section>
      <section id="evaluations">
      <h2>Evaluations</h2>
      \(evaluationTable())
      </section>
      <section id="attention">
      <h2>Attention of the probe sentences</h2>
      <p class="hint">Rows: the tokens the model produced; columns: the source tokens; colour: the
      attention weight (dark 0, yellow 1), also written in percent. Move the slider to see the
      attention at each evaluation.</p>
      <div class="probes">
      \(probeSections())
      </div>
      </section>
      <section id="config">
      <h2>Configuration</h2>
      <details><summary>Resolved configuration (JSON)</summary><pre>\(esc(prettyConfig()))</pre></details>
      </section>
      <footer>Written by <code>attend report</code> from the training log. Query it yourself with
      <code>sqlite3</code>: see docs/database.md.</footer>
      <script type="application/json" id="attend-data">\(try dataJSON())</script>
      <script>\(Self.script)</script>
      </body>
      </html>

      """
    return html
  }

  // MARK: Sections

  private func factsTable() -> String {
    let run = history.run
    var rows: [(String, String)] = [
      ("Run id", "\(run.id)"),
      ("Started", run.startedAt),
      ("Ended", run.endedAt ?? "—"),
      ("Seed", run.seed.map(String.init) ?? "—"),
      ("Training pairs", run.trainPairs.map(String.init) ?? "—"),
      ("Vocabulary (source / target)", "\(run.sourceVocabularySize.map(String.init) ?? "—") / \(run.targetVocabularySize.map(String.init) ?? "—")"),
      ("Processor", run.cpu ?? "—"),
      ("Kernels", run.blas ?? "—"),
      ("Steps", (run.finalStep ?? run.lastStep).map(String.init) ?? "—"),
    ]
    if let best = run.bestBLEU {
      rows.append(("Best dev BLEU", Self.number(best, 2) + (run.bestBLEUStep.map { " at step \($0)" } ?? "")))
    }
    if let chrF = history.evaluations.compactMap(\.chrF).max() {
      rows.append(("Best dev chrF", Self.number(chrF, 2)))
    }
    if let aer = history.evaluations.compactMap(\.aer).min() {
      rows.append(("Lowest dev AER", Self.number(aer, 3)))
    }
    if let last = history.evaluations.last, let loss = last.devLoss {
      rows.append(("Final dev loss", Self.number(loss, 4) + " (step \(last.step))"))
    }
    if let best = history.checkpoints.last(where: \.isBest) {
      rows.append(("Best checkpoint", best.path))
    }
    return "<table class=\"facts\">"
      + rows.map { "<tr><th>\(esc($0.0))</th><td>\(esc($0.1))</td></tr>" }.joined() + "</table>"
  }

  func lossChart() -> LineChart {
    LineChart(
      title: "Loss", xLabel: "step", yLabel: "cross-entropy per token (nats)",
      series: [
        .init(name: "training", colour: "#3b518b", points: history.steps.map { (Double($0.step), $0.loss) }),
        .init(
          name: "dev", colour: "#e07b00",
          points: history.evaluations.map { (Double($0.step), $0.devLoss ?? .nan) }, markers: true),
      ])
  }

  func qualityChart() -> LineChart {
    var series: [LineChart.Series] = [
      .init(
        name: "BLEU", colour: "#21908d", points: history.evaluations.map { (Double($0.step), $0.bleu ?? .nan) },
        markers: true)
    ]
    if history.evaluations.contains(where: { $0.chrF != nil }) {
      series.append(
        .init(
          name: "chrF", colour: "#9b3d96", points: history.evaluations.map { (Double($0.step), $0.chrF ?? .nan) },
          markers: true))
    }
    return LineChart(title: "Dev-set quality", xLabel: "step", yLabel: "score (0–100)", series: series, yRange: 0...100)
  }

  func alignmentErrorChart() -> LineChart? {
    guard history.evaluations.contains(where: { $0.aer != nil }) else { return nil }
    return LineChart(
      title: "Alignment error rate (lower is better)", xLabel: "step", yLabel: "AER",
      series: [
        .init(
          name: "AER", colour: "#b8322a", points: history.evaluations.map { (Double($0.step), $0.aer ?? .nan) },
          markers: true)
      ], yRange: 0...1)
  }

  private func evaluationTable() -> String {
    guard !history.evaluations.isEmpty else { return "<p class=\"hint\">No evaluation logged.</p>" }
    let best = history.run.bestBLEUStep
    var html = "<table class=\"evaluations\"><tr><th>step</th><th>dev loss</th><th>BLEU</th><th>chrF</th><th>AER</th><th>elapsed</th></tr>"
    for e in history.evaluations {
      html += "<tr\(e.step == best ? " class=\"best\"" : "")><td>\(e.step)</td>"
        + "<td>\(e.devLoss.map { Self.number($0, 4) } ?? "—")</td>"
        + "<td>\(e.bleu.map { Self.number($0, 2) } ?? "—")</td>"
        + "<td>\(e.chrF.map { Self.number($0, 2) } ?? "—")</td>"
        + "<td>\(e.aer.map { Self.number($0, 3) } ?? "—")</td>"
        + "<td>\(e.elapsedSeconds.map { Self.number($0, 1) + " s" } ?? "—")</td></tr>"
    }
    html += "</table>"
    if let signature = history.evaluations.last?.bleuSignature {
      html += "<p class=\"hint\">BLEU: <code>\(esc(signature))</code>"
      if let chrF = history.evaluations.last?.chrFSignature { html += "; chrF: <code>\(esc(chrF))</code>" }
      html += "</p>"
    }
    return html
  }

  private func probeSections() -> String {
    guard !history.alignments.isEmpty else {
      return "<p class=\"hint\">This run logged no attention yet (it is logged at each evaluation).</p>"
    }
    return history.probes.map { probe in
      """
      <div class="probe" data-probe="\(probe.probe)">
      <h3>Probe \(probe.probe)</h3>
      <p><span class="label">source</span> \(esc(probe.source.joined(separator: " ")))<br>
      <span class="label">reference</span> \(esc(probe.reference.joined(separator: " ")))<br>
      <span class="label">output</span> <span class="output"></span></p>
      <div class="controls"><button class="previous" type="button" aria-label="previous evaluation">←</button>
      <input type="range" min="0" max="0" value="0" aria-label="evaluation">
      <button class="next" type="button" aria-label="next evaluation">→</button>
      <span class="step"></span></div>
      <div class="heatmap"></div>
      </div>

      """
    }.joined()
  }

  private func prettyConfig() -> String {
    guard let data = history.run.configJSON.data(using: .utf8),
      let object = try? JSONSerialization.jsonObject(with: data),
      let pretty = try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys]),
      let text = String(data: pretty, encoding: .utf8)
    else { return history.run.configJSON }
    return text
  }

  // MARK: Data for the script

  struct ReportData: Encodable {
    /// Viridis anchors as [r, g, b], the same scale as `Colormap.viridis`.
    var colormap: [[Int]]
    var probes: [Probe]
  }

  struct Probe: Encodable {
    var probe: Int
    var source: [String]
    var frames: [Frame]
  }

  struct Frame: Encodable {
    var step: Int
    var target: [String]
    /// Row-major [target × source] weights in thousandths; -1 for a NaN weight.
    var weights: [Int]
    var bleu: Double?
  }

  func data() -> ReportData {
    let bleuByStep = Dictionary(
      history.evaluations.map { ($0.step, $0.bleu) }, uniquingKeysWith: { _, last in last })
    let probes = history.probes.map { probe in
      Probe(
        probe: probe.probe, source: probe.source,
        frames: history.alignments.filter { $0.probe == probe.probe }.map { a in
          Frame(
            step: a.step, target: a.targetTokens,
            weights: a.weights.map { $0.isNaN ? -1 : Int((min(max($0, 0), 1) * 1000).rounded()) },
            bleu: bleuByStep[a.step] ?? nil)
        })
    }
    return ReportData(
      colormap: Colormap.anchors.map { [Int($0.r), Int($0.g), Int($0.b)] }, probes: probes)
  }

  /// The data as JSON that is safe inside `<script>`: every `<` is written `\u003c`, so no
  /// token (say `</script>`) can end the element early.
  func dataJSON() throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    let json = String(decoding: try encoder.encode(data()), as: UTF8.self)
    return json.replacingOccurrences(of: "<", with: "\\u003c")
  }

  // MARK: Helpers

  private func esc(_ text: String) -> String { HeatmapSVG.escape(text) }

  static func number(_ value: Double, _ decimals: Int) -> String {
    value.isFinite ? String(format: "%.\(decimals)f", value) : "—"
  }

  static let css = """
    body { font-family: "DejaVu Sans", Helvetica, Arial, sans-serif; margin: 24px auto; max-width: 1200px;
           padding: 0 16px; color: #1d1d1d; background: #fff; }
    h1 { font-size: 22px; } h2 { font-size: 18px; border-bottom: 1px solid #ddd; padding-bottom: 4px; margin-top: 28px; }
    h3 { font-size: 15px; margin-bottom: 4px; }
    .status { font-size: 13px; padding: 2px 8px; border-radius: 10px; vertical-align: middle; background: #eee; }
    .status.completed { background: #d8f0d8; } .status.running { background: #dde8f8; }
    .status.interrupted { background: #fbe6c8; } .status.failed { background: #f6d0d0; }
    table { border-collapse: collapse; font-size: 13px; }
    th, td { padding: 3px 10px; text-align: left; border-bottom: 1px solid #eee; }
    table.evaluations td { text-align: right; font-variant-numeric: tabular-nums; }
    tr.best { background: #fff6c8; }
    .charts { display: flex; flex-wrap: wrap; gap: 16px; }
    .hint { color: #555; font-size: 13px; }
    .label { display: inline-block; width: 80px; color: #555; font-size: 13px; }
    .probes { display: flex; flex-wrap: wrap; gap: 8px 40px; align-items: flex-start; }
    .probe { margin-bottom: 24px; }
    .controls { display: flex; align-items: center; gap: 8px; margin: 6px 0; }
    .controls input { width: 160px; }
    .controls .step { font-size: 13px; color: #444; }
    .heatmap { overflow-x: auto; }
    pre { background: #f6f6f6; padding: 8px; font-size: 12px; }
    footer { margin-top: 32px; color: #777; font-size: 12px; }
    """

  /// Draws each probe's heatmap from the JSON data; mirrors `HeatmapSVG`'s layout.
  static let script = #"""
    (function () {
      "use strict";
      try {
        var data = JSON.parse(document.getElementById("attend-data").textContent);
        var anchors = data.colormap;
        var colour = function (w) {
          if (w < 0) return [128, 128, 128];
          var x = Math.min(Math.max(w, 0), 1) * (anchors.length - 1);
          var i = Math.min(Math.floor(x), anchors.length - 2), f = x - i;
          return [0, 1, 2].map(function (k) { return Math.round(anchors[i][k] + (anchors[i + 1][k] - anchors[i][k]) * f); });
        };
        var esc = function (s) {
          return String(s).replace(/[&<>"']/g, function (c) {
            return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
          });
        };
        var heatmap = function (source, frame) {
          var cell = 28, font = 12, cw = font * 0.62;
          var longest = function (a) { return a.reduce(function (m, t) { return Math.max(m, t.length); }, 1); };
          var left = Math.round(longest(frame.target) * cw) + 12, top = Math.round(longest(source) * cw) + 12;
          var w = left + source.length * cell + 8, h = top + frame.target.length * cell + 8;
          var out = ['<svg xmlns="http://www.w3.org/2000/svg" width="' + w + '" height="' + h + '" font-size="' + font + '">'];
          source.forEach(function (t, s) {
            out.push('<text transform="translate(' + (left + s * cell + cell / 2 + font / 3) + "," + (top - 6) + ') rotate(-90)">' + esc(t) + "</text>");
          });
          frame.target.forEach(function (t, r) {
            out.push('<text x="' + (left - 6) + '" y="' + (top + r * cell + cell / 2 + font / 3) + '" text-anchor="end">' + esc(t) + "</text>");
            source.forEach(function (srcToken, s) {
              var m = frame.weights[r * source.length + s], w = m / 1000, c = colour(w);
              var x = left + s * cell, y = top + r * cell;
              out.push('<rect class="cell" x="' + x + '" y="' + y + '" width="' + cell + '" height="' + cell +
                '" fill="rgb(' + c.join(",") + ')"><title>' + esc(t) + " \u2190 " + esc(srcToken) + ": " +
                (m < 0 ? "NaN" : w.toFixed(3)) + "</title></rect>");
              if (m >= 0) {
                var ink = (0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]) / 255 > 0.5 ? "#000" : "#fff";
                out.push('<text x="' + (x + cell / 2) + '" y="' + (y + cell / 2 + font / 3) +
                  '" text-anchor="middle" font-size="' + (font - 2) + '" fill="' + ink + '" pointer-events="none">' +
                  Math.round(m / 10) + "</text>");
              }
            });
          });
          out.push("</svg>");
          return out.join("");
        };
        var sections = document.querySelectorAll(".probe");
        Array.prototype.forEach.call(sections, function (section) {
          var probe = data.probes.filter(function (p) { return p.probe === Number(section.dataset.probe); })[0];
          var slider = section.querySelector("input[type=range]");
          if (!probe || probe.frames.length === 0) {
            section.querySelector(".heatmap").textContent = "No attention logged for this probe.";
            slider.disabled = true;
            return;
          }
          slider.max = String(probe.frames.length - 1);
          slider.value = slider.max;
          var show = function () {
            var frame = probe.frames[Number(slider.value)];
            section.querySelector(".step").textContent = "evaluation " + (Number(slider.value) + 1) + " of " +
              probe.frames.length + " \u00b7 step " + frame.step + (frame.bleu == null ? "" : " \u00b7 BLEU " + frame.bleu.toFixed(2));
            section.querySelector(".output").textContent = frame.target.join(" ");
            section.querySelector(".heatmap").innerHTML = heatmap(probe.source, frame);
          };
          var move = function (delta) {
            slider.value = String(Math.min(Math.max(Number(slider.value) + delta, 0), probe.frames.length - 1));
            show();
          };
          slider.addEventListener("input", show);
          section.querySelector(".previous").addEventListener("click", function () { move(-1); });
          section.querySelector(".next").addEventListener("click", function () { move(1); });
          show();
        });
        document.body.dataset.status = "ready";
      } catch (error) {
        document.body.dataset.status = "error: " + error;
        throw error;
      }
    })();
    """#
}
