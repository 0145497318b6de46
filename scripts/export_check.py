#!/usr/bin/env python3
"""Checks `attend export` end to end: PyTorch, given only the exported safetensors file, rebuilds
the model and greedy-decodes a corpus to the same translations as `attend translate --beam 1`.

    /opt/attend-ref/bin/python scripts/export_check.py \
        --checkpoint checkpoints/reverse/best.ckpt --source corpora/reverse/dev.tsv

Steps: `attend export` the checkpoint to a temporary .safetensors file; load it with
`safetensors.torch.load_file` (the tensors) and `safe_open(...).metadata()` (the `attend_header`
JSON: model config and vocabularies); build the PyTorch mirror below and `load_state_dict` the
tensors under their exported names with strict=True (every name must match, none may be left
over); decode every source sentence greedily; run `attend translate` on the same sentences;
compare line by line. Prints the match rate; exits 1 if any line differs.

The mirror covers the model the reverse config trains (a one-layer GRU encoder, either direction
count, the `bridge` decoder init, Bahdanau attention with softmax, no dropout at inference). Its
parameter names are Attend's tensor names (docs/checkpoint-format.md, "Tensor names"), which are
those of torch.nn.GRU / GRUCell / Linear / Embedding. For the other model variants,
scripts/reference_model.py is the PyTorch reference. Python is for checks like this one only:
Attend itself never needs it.
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

PAD, UNK, BOS, EOS = 0, 1, 2, 3


class BahdanauMirror(torch.nn.Module):
    """Attend's Seq2Seq with Bahdanau attention, in PyTorch, named as Attend names its tensors.

    encoder:  h_j = [GRU→(x_j); GRU←(x_j)]
    bridge:   s_0 = tanh(W_b [h→_last; h←_first] + b_b)
    decoder:  c_i = Σ_j α_ij h_j,  α_i = softmax_j(v · tanh(W_a s_{i-1} + U_a h_j))
              s_i = GRUCell([E y_{i-1}; c_i], s_{i-1})
    output:   t_i = tanh(W_r [E y_{i-1}; c_i; s_i] + b_r);  logits = W_o t_i + b_o
    """

    def __init__(self, config):
        super().__init__()
        unsupported = {
            "attention": "bahdanau", "decoder_init": "bridge", "encoder_layers": 1, "decoder_layers": 1,
            "attention_heads": 1, "attention_normalizer": "softmax", "attention_window": "global",
            "hard_attention": False, "tie_embeddings": False,
        }
        for key, expected in unsupported.items():
            if key in config and config[key] != expected:
                sys.exit(f"export_check: the mirror needs model.{key} = {expected!r}, the checkpoint has "
                         f"{config[key]!r}; use scripts/reference_model.py for this variant")
        e, h, a = config["embedding_size"], config["hidden_size"], config["attention_size"]
        c = 2 * h if config["bidirectional"] else h
        self.temperature = float(config.get("decoding_temperature", 1))
        self.encoder = torch.nn.Module()
        self.encoder.embedding = torch.nn.Embedding(config["source_vocabulary_size"], e)
        self.encoder.rnn = torch.nn.GRU(e, h, bidirectional=config["bidirectional"])
        self.bridge = torch.nn.Linear(c, h)
        self.attention = torch.nn.Module()
        self.attention.query = torch.nn.Linear(h, a, bias=False)
        self.attention.key = torch.nn.Linear(c, a, bias=False)
        self.attention.v = torch.nn.Parameter(torch.zeros(a))
        self.decoder = torch.nn.Module()
        self.decoder.embedding = torch.nn.Embedding(config["target_vocabulary_size"], e)
        self.decoder.rnn = torch.nn.GRUCell(e + c, h)
        self.decoder.readout = torch.nn.Linear(e + c + h, e)
        self.decoder.output = torch.nn.Linear(e, config["target_vocabulary_size"])

    @torch.no_grad()
    def greedy(self, source_ids, max_length_ratio):
        """Token ids of the greedy translation, as Attend's GreedySearch: stop at </s>, or after
        int(ratio × max(1, S)) + 5 tokens."""
        x = self.encoder.embedding(torch.tensor(source_ids).unsqueeze(1))  # [S, 1, E]
        states, final = self.encoder.rnn(x)  # [S, 1, C], [directions, 1, H]
        states = states[:, 0, :]  # [S, C]
        s = torch.tanh(self.bridge(torch.cat(list(final[:, 0, :]), dim=0)))  # [H]
        keys = self.attention.key(states)  # [S, A]
        limit = int(max_length_ratio * max(1, len(source_ids))) + 5
        y, out = BOS, []
        while True:
            scores = torch.tanh(self.attention.query(s) + keys) @ self.attention.v / self.temperature
            context = torch.softmax(scores, dim=0) @ states  # [C]
            embedded = self.decoder.embedding(torch.tensor(y))
            s = self.decoder.rnn(torch.cat([embedded, context]).unsqueeze(0), s.unsqueeze(0))[0]
            t = torch.tanh(self.decoder.readout(torch.cat([embedded, context, s])))
            y = int(torch.argmax(self.decoder.output(t)))
            if len(out) >= limit or y == EOS:
                return out
            out.append(y)


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

    model = BahdanauMirror(header["model"])
    model.load_state_dict(tensors, strict=True)
    model.eval()
    source_ids = {t: i for i, t in enumerate(header["source_vocabulary"]["tokens"])}
    target_tokens = header["target_vocabulary"]["tokens"]
    matches = 0
    for index, (sentence, expected) in enumerate(zip(sources, swift)):
        ids = [source_ids.get(token, UNK) for token in sentence.split()]
        produced = " ".join(target_tokens[i] for i in model.greedy(ids, args.max_length_ratio)) if ids else ""
        if produced == expected:
            matches += 1
        elif len(sources) - matches <= 10 or index < 5:
            print(f"line {index + 1}: pytorch {produced!r}, attend {expected!r}")
    print(f"{len(tensors)} tensors loaded by safetensors.torch.load_file and load_state_dict(strict=True); "
          f"PyTorch greedy = attend translate on {matches}/{len(sources)} sentences "
          f"({100 * matches / max(1, len(sources)):.1f}%)")
    sys.exit(0 if matches == len(sources) else 1)


if __name__ == "__main__":
    main()
