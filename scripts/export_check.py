#!/usr/bin/env python3
"""Checks `attend export` end to end: PyTorch, given only the exported safetensors file, rebuilds
the model and greedy-decodes a corpus to the same translations as `attend translate --beam 1`.

    /opt/attend-ref/bin/python scripts/export_check.py \
        --checkpoint checkpoints/reverse/best.ckpt --source corpora/reverse/dev.tsv

Steps: `attend export` the checkpoint to a temporary .safetensors file; load it with
`safetensors.torch.load_file` (the tensors) and `safe_open(...).metadata()` (the `attend_header`
JSON: model config and vocabularies); build the project's PyTorch mirror of the model
(scripts/reference_model.py, the one the Swift gradients are checked against) for that config and
load the tensors under their exported names (every name must match, none may be left over); decode
every source sentence greedily; run `attend translate` on the same sentences; compare line by line.
Prints the match rate; exits 1 if any line differs.

Every attention variant the mirror implements is covered. Sentences are compared as
whitespace-separated model tokens, so use a word-level model (the toy corpora's configs), not one
trained with subwords or punctuation splitting. Python is for checks like this one only: Attend
itself never needs it.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile

import torch
from safetensors import safe_open
from safetensors.torch import load_file

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reference_model  # noqa: E402

UNK = reference_model.UNK


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--checkpoint", required=True, help="an Attend checkpoint")
    parser.add_argument("--source", required=True, help="sentences: a TSV corpus (first column) or one per line")
    parser.add_argument("--attend", default=".build/release/attend", help="the attend binary")
    parser.add_argument("--max-length-ratio", type=float, default=2.0)
    args = parser.parse_args()

    with open(args.source, encoding="utf-8") as f:
        sources = [line.rstrip("\n").split("\t")[0] for line in f]
    with tempfile.TemporaryDirectory() as tmp:
        exported = os.path.join(tmp, "model.safetensors")
        subprocess.run([args.attend, "export", "--checkpoint", args.checkpoint, "--safetensors", exported],
                       check=True, stdout=subprocess.DEVNULL)
        tensors = load_file(exported)
        with safe_open(exported, framework="pt") as f:
            header = json.loads(f.metadata()["attend_header"])
        inputs = os.path.join(tmp, "sources.txt")
        with open(inputs, "w", encoding="utf-8") as f:
            f.write("\n".join(sources) + "\n")
        swift = subprocess.run(
            [args.attend, "translate", "--checkpoint", args.checkpoint, "--beam", "1",
             "--max-length-ratio", str(args.max_length_ratio), "--input", inputs],
            check=True, capture_output=True, text=True).stdout.split("\n")[:len(sources)]

    model = reference_model.build_model(header["model"], dtype=torch.float32)
    reference_model.load_parameters(model, tensors)
    model.eval()
    source_ids = {t: i for i, t in enumerate(header["source_vocabulary"]["tokens"])}
    target_tokens = header["target_vocabulary"]["tokens"]
    matches = 0
    for index, (sentence, expected) in enumerate(zip(sources, swift)):
        ids = [source_ids.get(token, UNK) for token in sentence.split()]
        produced = " ".join(target_tokens[i] for i in model.greedy([ids], args.max_length_ratio)[0]) if ids else ""
        if produced == expected:
            matches += 1
        elif len(sources) - matches <= 10 or index < 5:
            print(f"line {index + 1}: pytorch {produced!r}, attend {expected!r}")
    print(f"{len(tensors)} tensors loaded by safetensors.torch.load_file into scripts/reference_model.py; "
          f"PyTorch greedy = attend translate on {matches}/{len(sources)} sentences "
          f"({100 * matches / max(1, len(sources)):.1f}%)")
    sys.exit(0 if matches == len(sources) else 1)


if __name__ == "__main__":
    main()
