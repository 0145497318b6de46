#!/usr/bin/env python3
"""Writes Tests/AttendEvaluationTests/SacreBLEUFixtures.swift: BLEU and chrF scores computed by the
real sacreBLEU on varied, hand-made inputs, so the Swift tests can check Attend's metrics against
them without Python.

Run from the repository root with a Python that has sacreBLEU 2.x:

    /opt/attend-ref/bin/python scripts/make_sacrebleu_fixtures.py

The output is deterministic (fixed seeds, no timestamps): rerunning with the same sacreBLEU
version rewrites the same file. Every sentence here is invented for this script.
"""
import random
import sys

import sacrebleu
from sacrebleu.metrics import BLEU, CHRF
from sacrebleu.tokenizers.tokenizer_13a import Tokenizer13a

OUT = "Tests/AttendEvaluationTests/SacreBLEUFixtures.swift"

# --- Hand-made cases -------------------------------------------------------------------------

PUNCTUATION_HYP = [
    "The price rose from $5 to $7.50 (a 50% jump) in 1990-2000, didn't it?",
    "E-mail me at a/b@example.org; \"quoted\" text & more...",
    "Pi is 3.14, not 3,14 . Numbers like 1,000,000 stay whole.",
    "&quot;Escaped&quot; &amp; &lt;tags&gt; and <skipped> words.",
    "U.S. policy: {braces}, [brackets], `ticks`, ~tilde~, ^caret^, |pipes| and #hash!",
    "He said -- twice -- that 10-20 people came.",
]
PUNCTUATION_REF = [
    "The price rose from $5 to $7.50 (a 50 % jump) between 1990 and 2000, didn't it?",
    "Email me at a/b@example.org; \"quoted\" text and more ...",
    "Pi is 3.14, not 3,14. Numbers like 1,000,000 stay whole.",
    "\"Escaped\" & <tags> and words.",
    "US policy: {braces}, [brackets], `ticks`, ~tilde~, ^caret^, |pipes| and #hash!",
    "He said - twice - that 10-20 people came.",
]

UNICODE_HYP = [
    "L'été à Montréal coûte 3,50 € par café.",
    "Die Straße ist naß, sagte der Großvater.",
    "ΟΔΟΣ ΣΟΦΙΑΣ: η οδός της σοφίας.",
    "我喜欢猫。你呢？",
    "Café\u00a0noir\u2009—\u202fvraiment 🙂👍!",
    "Cafe\u0301 ouvert, «\u00a0bienvenue\u00a0» à tous.",
    "İstanbul'da ılık bir gün.",
    "مرحبا بالعالم، كيف حالك؟",
]
UNICODE_REF = [
    "L'été à Montréal, un café coûte 3,50 €.",
    "Die Strasse ist nass, sagte der Grossvater.",
    "ΟΔΟΣ ΣΟΦΙΑΣ: ο δρόμος της σοφίας.",
    "我喜欢猫。 你呢？",
    "Café noir — vraiment 🙂!",
    "Café ouvert, « bienvenue » à tous.",
    "İstanbul'da ılık bir gün.",
    "مرحبا بالعالم، كيف الحال؟",
]

EMPTY_HYP = ["", "a line with words", "", "   ", "the end ."]
EMPTY_REF = ["not empty here", "a line with more words", "", "spaces only hypothesis", ""]

MULTI_HYP = [
    "the cat sat on the mat",
    "there is a cat on the mat",
    "a quick brown fox jumped over a lazy dog",
    "it is raining",
    "",
]
MULTI_REFS = [
    ["the cat is on the mat", "there is a cat on the mat", "the cat sits on the mat",
     "the fast brown fox jumps over the lazy dog", "it rains"],
    ["a cat sat on the mat", "a cat is on the mat", "on the mat sat the cat",
     "a quick brown fox jumps over a lazy dog", "it is raining cats and dogs"],
    ["the cat sat on a mat .", "the mat has a cat on it", "", "a fox , quick and brown , jumped",
     "rain"],
]

CASE_HYP = ["THE Cat SAT on ΤΗΝ ΟΔΟ ΣΟΦΙΑΣ", "İSTANBUL IS BIG", "ΟΔΟΣ", "Σ alone and ΑΣ"]
CASE_REF = ["the cat sat on την οδο σοφιας", "i̇stanbul is big", "οδος", "σ alone and ας"]

SHORT_HYP = ["yes", "no way", "ok"]
SHORT_REF = ["yes", "no way out", "okay then"]

ZERO_HYP = ["alpha beta", "gamma"]
ZERO_REF = ["delta epsilon", "zeta eta theta"]

WHITESPACE_HYP = [
    "split\x1cby\x1dpython\x1eonly\x1fseparators",
    "next\x85line\u2028and\u2029paragraph",
    "ideographic\u3000space\u3000here\u3000",
    "tabs\tand  double  spaces\t\t",
    "zero\u200bwidth is not a space",
]
WHITESPACE_REF = [
    "split by python only separators",
    "next line and paragraph",
    "ideographic space here",
    "tabs and double spaces",
    "zero\u200bwidth is not a space",
]

# --- A larger random corpus -----------------------------------------------------------------

WORDS = (
    "the a of to and in is was for on that with as by at from it this be are or an have not "
    "maison école été garçon naïve cœur Straße Größe ΑΘΗΝΑ σοφία 東京 猫 🙂 coût "
    "3.14 1,000 42 2020-2021 e-mail U.S. don't l'eau $5 50% "
    "Apple BANANA Cherry"
).split()
PUNCT = [",", ".", "!", "?", ";", ":", "(", ")", "\"", "'", "-", "--", "...", "&", "&amp;", "/"]


def random_sentence(rng, n):
    out = []
    for _ in range(n):
        out.append(rng.choice(WORDS))
        if rng.random() < 0.2:
            # Attached or detached punctuation, to exercise the 13a rules.
            p = rng.choice(PUNCT)
            if rng.random() < 0.5:
                out[-1] += p
            else:
                out.append(p)
    return " ".join(out)


def perturb(rng, sentence):
    words = sentence.split(" ")
    out = []
    for w in words:
        r = rng.random()
        if r < 0.1:
            continue
        if r < 0.2:
            out.append(rng.choice(WORDS))
        elif r < 0.25:
            out.append(w.upper())
        else:
            out.append(w)
        if rng.random() < 0.05:
            out.append(rng.choice(WORDS))
    return " ".join(out)


def random_corpus(seed, lines):
    rng = random.Random(seed)
    refs, hyps = [], []
    for _ in range(lines):
        ref = random_sentence(rng, rng.randint(0, 18))
        refs.append(ref)
        hyps.append(perturb(rng, ref) if rng.random() < 0.9 else random_sentence(rng, rng.randint(0, 6)))
    return hyps, [refs]


# --- Scoring --------------------------------------------------------------------------------

def swift_string(text):
    out = ['"']
    for ch in text:
        code = ord(ch)
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"':
            out.append('\\"')
        elif 0x20 <= code < 0x7F:
            out.append(ch)
        else:
            out.append("\\u{%X}" % code)
    out.append('"')
    return "".join(out)


def swift_strings(lines, indent):
    pad = " " * indent
    return "[\n" + "".join(f"{pad}  {swift_string(x)},\n" for x in lines) + f"{pad}]"


def swift_double(x):
    return repr(float(x))


def attend_signature(signature):
    # Attend writes its own implementation version where sacreBLEU writes its version.
    return signature.replace(f"version:{sacrebleu.__version__}", "version:attend-1")


def case(name, hyps, refs, lowercase=False, tokenize="13a"):
    bleu = BLEU(lowercase=lowercase, tokenize=tokenize)
    b = bleu.corpus_score(hyps, refs)
    chrf = CHRF(lowercase=lowercase)
    c = chrf.corpus_score(hyps, refs)
    chrfpp = CHRF(lowercase=lowercase, word_order=2)
    cpp = chrfpp.corpus_score(hyps, refs)
    return f"""  SacreBLEUCase(
    name: {swift_string(name)}, lowercase: {"true" if lowercase else "false"}, tokenize: {swift_string(tokenize)},
    hypotheses: {swift_strings(hyps, 4)},
    references: [
{",".join("      " + swift_strings(r, 6) + chr(10) for r in refs)}    ],
    bleu: {swift_double(b.score)}, counts: {list(b.counts)}, totals: {list(b.totals)},
    hypothesisLength: {b.sys_len}, referenceLength: {b.ref_len},
    bleuLine: {swift_string(attend_signature(b.format(signature=str(bleu.get_signature()))))},
    chrF: {swift_double(c.score)}, chrFPlusPlus: {swift_double(cpp.score)},
    chrFLine: {swift_string(attend_signature(c.format(signature=str(chrf.get_signature()))))}),
"""


def main():
    random_hyps, random_refs = random_corpus(20240611, 300)
    cases = [
        case("punctuation and numbers", PUNCTUATION_HYP, [PUNCTUATION_REF]),
        case("unicode scripts, symbols and spaces", UNICODE_HYP, [UNICODE_REF]),
        case("unicode lowercased", UNICODE_HYP, [UNICODE_REF], lowercase=True),
        case("empty lines", EMPTY_HYP, [EMPTY_REF]),
        case("three references", MULTI_HYP, MULTI_REFS),
        case("three references, tokenize none", MULTI_HYP, MULTI_REFS, tokenize="none"),
        case("lowercase with final sigma and dotted I", CASE_HYP, [CASE_REF], lowercase=True),
        case("case-sensitive by default", CASE_HYP, [CASE_REF]),
        case("hypotheses shorter than four words", SHORT_HYP, [SHORT_REF]),
        case("no matching n-gram", ZERO_HYP, [ZERO_REF]),
        case("python whitespace", WHITESPACE_HYP, [WHITESPACE_REF]),
        case("punctuation, tokenize none", PUNCTUATION_HYP, [PUNCTUATION_REF], tokenize="none"),
        case("random 300 lines", random_hyps, random_refs),
        case("random 300 lines lowercased", random_hyps, random_refs, lowercase=True),
    ]
    # The 13a tokeniser and Python's lower() on every distinct line above, for pinpointing a
    # disagreement before it shows up in a score.
    lines = sorted(set(PUNCTUATION_HYP + PUNCTUATION_REF + UNICODE_HYP + UNICODE_REF + EMPTY_HYP
                       + EMPTY_REF + CASE_HYP + CASE_REF + WHITESPACE_HYP + WHITESPACE_REF
                       + random_hyps[:60]))
    tok = Tokenizer13a()
    tokenizer_cases = "".join(
        f"  ({swift_string(x)}, {swift_string(tok(x.rstrip()))}, {swift_string(x.lower())}),\n"
        for x in lines)

    with open(OUT, "w", encoding="utf-8") as f:
        f.write(f"""// Generated by scripts/make_sacrebleu_fixtures.py with sacreBLEU {sacrebleu.__version__} \
(Python {sys.version.split()[0]}); do not edit.
// Expected values are what sacreBLEU computes for these inputs; the tests need no Python.

/// One corpus scored by sacreBLEU: `BLEU(lowercase:, tokenize:)`, `CHRF(lowercase:)` and
/// `CHRF(lowercase:, word_order: 2)` on `hypotheses` against the reference streams.
struct SacreBLEUCase {{
  var name: String
  var lowercase: Bool
  var tokenize: String
  var hypotheses: [String]
  var references: [[String]]
  var bleu: Double
  var counts: [Int]
  var totals: [Int]
  var hypothesisLength: Int
  var referenceLength: Int
  /// sacreBLEU's text output line, with Attend's version in the signature.
  var bleuLine: String
  var chrF: Double
  var chrFPlusPlus: Double
  var chrFLine: String
}}

let sacreBLEUCases: [SacreBLEUCase] = [
{"".join(cases)}]

/// (line, sacreBLEU's Tokenizer13a(line.rstrip()), Python's line.lower()).
let sacreTokenizerCases: [(line: String, thirteenA: String, lowercased: String)] = [
{tokenizer_cases}]
""")
    print(f"wrote {OUT}: {len(cases)} corpora, {len(lines)} tokenizer lines")


if __name__ == "__main__":
    main()
