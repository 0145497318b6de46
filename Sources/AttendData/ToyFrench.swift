import AttendKernels

/// The `toy-fr` task: sentences of a small English grammar and their translations into a toy
/// French that keeps the word-order and agreement facts of French that matter for attention.
///
/// A sentence is one clause, or two joined by `and`/`but`, ending in `.`. A clause is a subject
/// (a noun phrase, or `he`/`she`), a transitive verb, an object (a noun phrase, or `him`/`her`/
/// `them`), optionally negated and optionally followed by a prepositional phrase. A noun phrase
/// is a determiner, zero to two adjectives and a noun, singular or plural. Nouns start with a
/// consonant, so French elision (`l'`, `n'`) never arises.
enum ToyFrench {
  enum Gender { case masculine, feminine }

  struct Noun {
    var english: (singular: String, plural: String)
    var french: (singular: String, plural: String)
    var gender: Gender
  }

  struct Adjective {
    var english: String
    /// masculine singular, feminine singular, masculine plural, feminine plural
    var french: [String]
  }

  struct Determiner {
    /// English singular and plural forms (nil where the determiner has no such form).
    var english: (singular: String?, plural: String?)
    /// masculine singular, feminine singular, plural (either gender)
    var french: [String]
  }

  struct Verb {
    /// English third person singular and plural, as words (`looks for` is two).
    var english: (singular: [String], plural: [String])
    /// The bare form after `does not` / `do not`.
    var englishBare: [String]
    var french: (singular: String, plural: String)
  }

  static let nouns: [Noun] = [
    Noun(english: ("cat", "cats"), french: ("chat", "chats"), gender: .masculine),
    Noun(english: ("dog", "dogs"), french: ("chien", "chiens"), gender: .masculine),
    Noun(english: ("boy", "boys"), french: ("garçon", "garçons"), gender: .masculine),
    Noun(english: ("book", "books"), french: ("livre", "livres"), gender: .masculine),
    Noun(english: ("horse", "horses"), french: ("cheval", "chevaux"), gender: .masculine),
    Noun(english: ("house", "houses"), french: ("maison", "maisons"), gender: .feminine),
    Noun(english: ("car", "cars"), french: ("voiture", "voitures"), gender: .feminine),
    Noun(english: ("girl", "girls"), french: ("fille", "filles"), gender: .feminine),
    Noun(english: ("table", "tables"), french: ("table", "tables"), gender: .feminine),
    Noun(english: ("flower", "flowers"), french: ("fleur", "fleurs"), gender: .feminine),
    Noun(english: ("mouse", "mice"), french: ("souris", "souris"), gender: .feminine),
  ]

  static let adjectives: [Adjective] = [
    Adjective(english: "red", french: ["rouge", "rouge", "rouges", "rouges"]),
    Adjective(english: "black", french: ["noir", "noire", "noirs", "noires"]),
    Adjective(english: "green", french: ["vert", "verte", "verts", "vertes"]),
    Adjective(english: "white", french: ["blanc", "blanche", "blancs", "blanches"]),
    Adjective(english: "blue", french: ["bleu", "bleue", "bleus", "bleues"]),
    Adjective(english: "happy", french: ["heureux", "heureuse", "heureux", "heureuses"]),
    Adjective(english: "tired", french: ["fatigué", "fatiguée", "fatigués", "fatiguées"]),
    Adjective(english: "lazy", french: ["paresseux", "paresseuse", "paresseux", "paresseuses"]),
  ]

  static let determiners: [Determiner] = [
    Determiner(english: ("the", "the"), french: ["le", "la", "les"]),
    Determiner(english: ("a", nil), french: ["un", "une", "des"]),
    Determiner(english: (nil, "some"), french: ["un", "une", "des"]),
    Determiner(english: ("my", "my"), french: ["mon", "ma", "mes"]),
    Determiner(english: ("this", "these"), french: ["ce", "cette", "ces"]),
  ]

  static let verbs: [Verb] = [
    Verb(english: (["sees"], ["see"]), englishBare: ["see"], french: ("voit", "voient")),
    Verb(english: (["eats"], ["eat"]), englishBare: ["eat"], french: ("mange", "mangent")),
    Verb(english: (["finds"], ["find"]), englishBare: ["find"], french: ("trouve", "trouvent")),
    Verb(english: (["watches"], ["watch"]), englishBare: ["watch"], french: ("regarde", "regardent")),
    Verb(english: (["follows"], ["follow"]), englishBare: ["follow"], french: ("suit", "suivent")),
    Verb(
      english: (["looks", "for"], ["look", "for"]), englishBare: ["look", "for"],
      french: ("cherche", "cherchent")),
  ]

  static let prepositions: [(english: String, french: String)] = [
    ("in", "dans"), ("on", "sur"), ("under", "sous"), ("with", "avec"), ("behind", "derrière"),
  ]

  /// Subject pronouns (singular) and object pronouns with their French clitics.
  static let subjectPronouns: [(english: String, french: String)] = [("he", "il"), ("she", "elle")]
  static let objectPronouns: [(english: String, french: String)] = [
    ("him", "le"), ("her", "la"), ("them", "les"),
  ]
  static let conjunctions: [(english: String, french: String)] = [("and", "et"), ("but", "mais")]

  static let description = """
    Sentences of a small English grammar and their translations into a toy French:

    | source | target |
    |---|---|
    | `the black cat sees a red car .` | `le chat noir voit une voiture rouge .` |
    | `she does not find them .` | `elle ne les trouve pas .` |
    | `my lazy green horses look for some flowers behind the house .` | `mes chevaux verts paresseux cherchent des fleurs derrière la maison .` |

    Grammar: a sentence is one clause, or two joined by `and`/`but`, then `.`. A clause is a
    subject (noun phrase, or `he`/`she`), a verb (`sees`, `eats`, `finds`, `watches`, `follows`,
    `looks for`) agreeing in number with the subject, an object (noun phrase, or `him`/`her`/
    `them`), optional negation (`does not see`) and an optional prepositional phrase (`in`, `on`,
    `under`, `with`, `behind` + noun phrase). A noun phrase is a determiner (`the`, `a`/`some`,
    `my`, `this`/`these`), zero to two adjectives (colours, `happy`, `tired`, `lazy`) and one of
    eleven nouns, singular or plural.

    Toy French: determiners and adjectives agree with the noun's gender and number (`la voiture
    verte`, `les chevaux verts`); adjectives follow the noun, two of them in mirror order (`lazy
    green horses` → `chevaux verts paresseux`, as French stacks `politique économique européenne`
    for `European economic policy`); object pronouns become clitics before the verb (`sees him` →
    `le voit`); negation wraps the verb (`does not see` → `ne voit pas`, with a clitic inside:
    `ne le voit pas`).

    Gold alignment: each word has sure links to its translation (a determiner to its
    determiner, `not` to both `ne` and `pas`, both words of `looks for` to `cherche`, a conjunction
    to its conjunction, `.` to `.`); the auxiliary `does`/`do` has a possible link to the French
    verb. The adjective and clitic moves make the alignment non-monotonic.
    """

  // MARK: - Sampling

  struct NounPhrase {
    var determiner: Determiner
    var adjectives: [Adjective]
    var noun: Noun
    var plural: Bool
  }

  enum Subject {
    case phrase(NounPhrase)
    case pronoun(english: String, french: String)
    var plural: Bool {
      if case .phrase(let np) = self { return np.plural }
      return false
    }
  }

  enum Object {
    case phrase(NounPhrase)
    case pronoun(english: String, french: String)
  }

  struct Clause {
    var subject: Subject
    var verb: Verb
    var negated: Bool
    var object: Object
    var prepositional: (english: String, french: String, phrase: NounPhrase)?
  }

  static func pick<T>(_ items: [T], _ rng: inout RandomGenerator) -> T {
    items[rng.nextInt(below: items.count)]
  }

  /// True with probability `percent`/100.
  static func chance(_ percent: Int, _ rng: inout RandomGenerator) -> Bool {
    rng.nextInt(below: 100) < percent
  }

  static func nounPhrase(_ rng: inout RandomGenerator) -> NounPhrase {
    let plural = chance(35, &rng)
    let candidates = determiners.filter { plural ? $0.english.plural != nil : $0.english.singular != nil }
    let determiner = pick(candidates, &rng)
    let roll = rng.nextInt(below: 100)
    let adjectiveCount = roll < 50 ? 0 : roll < 85 ? 1 : 2
    var chosen: [Adjective] = []
    while chosen.count < adjectiveCount {
      let adjective = pick(adjectives, &rng)
      if !chosen.contains(where: { $0.english == adjective.english }) { chosen.append(adjective) }
    }
    return NounPhrase(determiner: determiner, adjectives: chosen, noun: pick(nouns, &rng), plural: plural)
  }

  static func clause(_ rng: inout RandomGenerator) -> Clause {
    let subject: Subject
    if chance(20, &rng) {
      let p = pick(subjectPronouns, &rng)
      subject = .pronoun(english: p.english, french: p.french)
    } else {
      subject = .phrase(nounPhrase(&rng))
    }
    let verb = pick(verbs, &rng)
    let negated = chance(25, &rng)
    let object: Object
    if chance(25, &rng) {
      let p = pick(objectPronouns, &rng)
      object = .pronoun(english: p.english, french: p.french)
    } else {
      object = .phrase(nounPhrase(&rng))
    }
    var prepositional: (english: String, french: String, phrase: NounPhrase)? = nil
    if chance(35, &rng) {
      let p = pick(prepositions, &rng)
      prepositional = (p.english, p.french, nounPhrase(&rng))
    }
    return Clause(
      subject: subject, verb: verb, negated: negated, object: object, prepositional: prepositional)
  }

  static func sample(_ rng: inout RandomGenerator) -> ToyExample {
    var clauses = [clause(&rng)]
    var conjunctions: [(english: String, french: String)] = []
    if chance(35, &rng) {
      conjunctions.append(pick(self.conjunctions, &rng))
      clauses.append(clause(&rng))
    }
    return example(clauses: clauses, conjunctions: conjunctions)
  }

  // MARK: - Rendering

  /// Source positions of a noun phrase's words, filled while the English is written.
  struct PhrasePositions {
    var determiner = 0
    var adjectives: [Int] = []
    var noun = 0
  }

  static func writeEnglish(_ np: NounPhrase, _ b: inout ToyExampleBuilder) -> PhrasePositions {
    var p = PhrasePositions()
    p.determiner = b.source((np.plural ? np.determiner.english.plural : np.determiner.english.singular)!)
    p.adjectives = np.adjectives.map { b.source($0.english) }
    p.noun = b.source(np.plural ? np.noun.english.plural : np.noun.english.singular)
    return p
  }

  static func writeFrench(_ np: NounPhrase, _ p: PhrasePositions, _ b: inout ToyExampleBuilder) {
    let feminine = np.noun.gender == .feminine
    let determinerForm = np.plural ? 2 : (feminine ? 1 : 0)
    b.target(np.determiner.french[determinerForm], sure: [p.determiner])
    b.target(np.plural ? np.noun.french.plural : np.noun.french.singular, sure: [p.noun])
    let adjectiveForm = (np.plural ? 2 : 0) + (feminine ? 1 : 0)
    for k in np.adjectives.indices.reversed() {
      b.target(np.adjectives[k].french[adjectiveForm], sure: [p.adjectives[k]])
    }
  }

  static func example(
    clauses: [Clause], conjunctions: [(english: String, french: String)]
  ) -> ToyExample {
    precondition(conjunctions.count == clauses.count - 1, "one conjunction between clauses")
    var b = ToyExampleBuilder()
    // English first, remembering where each word went.
    struct ClausePositions {
      var subject = PhrasePositions()
      var subjectPronoun = 0
      var auxiliary: Int? = nil
      var not: Int? = nil
      var verb: [Int] = []
      var object = PhrasePositions()
      var objectPronoun = 0
      var preposition = 0
      var prepositional = PhrasePositions()
    }
    var positions: [ClausePositions] = []
    var conjunctionPositions: [Int] = []
    for (c, clause) in clauses.enumerated() {
      if c > 0 { conjunctionPositions.append(b.source(conjunctions[c - 1].english)) }
      var p = ClausePositions()
      switch clause.subject {
      case .phrase(let np): p.subject = writeEnglish(np, &b)
      case .pronoun(let english, _): p.subjectPronoun = b.source(english)
      }
      let plural = clause.subject.plural
      if clause.negated {
        p.auxiliary = b.source(plural ? "do" : "does")
        p.not = b.source("not")
        p.verb = b.source(clause.verb.englishBare)
      } else {
        p.verb = b.source(plural ? clause.verb.english.plural : clause.verb.english.singular)
      }
      switch clause.object {
      case .phrase(let np): p.object = writeEnglish(np, &b)
      case .pronoun(let english, _): p.objectPronoun = b.source(english)
      }
      if let (english, _, np) = clause.prepositional {
        p.preposition = b.source(english)
        p.prepositional = writeEnglish(np, &b)
      }
      positions.append(p)
    }
    let period = b.source(".")

    // Then French, in French order, linked to those positions.
    for (c, clause) in clauses.enumerated() {
      if c > 0 { b.target(conjunctions[c - 1].french, sure: [conjunctionPositions[c - 1]]) }
      let p = positions[c]
      switch clause.subject {
      case .phrase(let np): writeFrench(np, p.subject, &b)
      case .pronoun(_, let french): b.target(french, sure: [p.subjectPronoun])
      }
      if let not = p.not { b.target("ne", sure: [not]) }
      if case .pronoun(_, let french) = clause.object { b.target(french, sure: [p.objectPronoun]) }
      let verb = clause.subject.plural ? clause.verb.french.plural : clause.verb.french.singular
      b.target(verb, sure: p.verb, possible: p.auxiliary.map { [$0] } ?? [])
      if let not = p.not { b.target("pas", sure: [not]) }
      if case .phrase(let np) = clause.object { writeFrench(np, p.object, &b) }
      if let (_, french, np) = clause.prepositional {
        b.target(french, sure: [p.preposition])
        writeFrench(np, p.prepositional, &b)
      }
    }
    b.target(".", sure: [period])
    return b.example
  }
}
