import AttendModel

/// The key tables of docs/config-reference.md, made from the key declarations: each table stands
/// between `<!-- keys: <section> … -->` and `<!-- end keys -->`, and the prose around them is
/// written by hand. scripts/sync-readme.sh rewrites the tables (through ConfigReferenceTests) and
/// copies the document into the README; the test fails while the committed file differs.
public enum ConfigReference {
  /// The markdown table of `Section`'s keys: name, type, default, meaning.
  static func table<Section: DeclaredConfig>(_: Section.Type, defaults: Section) -> String {
    var lines = ["| Key | Type | Default | Meaning |", "|---|---|---|---|"]
    for key in Section.fileKeys {
      let defaultText = key.defaultText ?? "`\(key.value(in: defaults))`"
      lines.append("| `\(key.name)` | \(key.type.documented) | \(defaultText) | \(key.doc) |")
    }
    return lines.joined(separator: "\n")
  }

  /// Every section's table, by section name.
  static var tables: [(section: String, table: String)] {
    [
      ("model", table(ModelConfig.self, defaults: .defaults)),
      ("data", table(DataConfig.self, defaults: .defaults)),
      ("training", table(TrainingConfig.self, defaults: .defaults)),
      ("logging", table(LoggingConfig.self, defaults: .defaults)),
    ]
  }

  static let endMarker = "<!-- end keys -->"

  static func beginMarker(_ section: String) -> String {
    "<!-- keys: \(section) (generated from the key declarations by scripts/sync-readme.sh; do not edit) -->"
  }

  /// `document` with every section's table replaced by the one the declarations make; nil when
  /// a section's markers are missing.
  public static func updating(_ document: String) -> String? {
    var text = document
    for (section, table) in tables {
      guard let begin = text.range(of: beginMarker(section)),
        let end = text.range(of: endMarker, range: begin.upperBound..<text.endIndex)
      else { return nil }
      text.replaceSubrange(begin.upperBound..<end.lowerBound, with: "\n" + table + "\n")
    }
    return text
  }
}
