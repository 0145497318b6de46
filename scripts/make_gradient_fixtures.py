#!/usr/bin/env python3
"""Writes Tests/AttendModelTests/Fixtures/<variant>.json: for each attention variant, a tiny model's
weights, a padded batch, and the loss and every parameter gradient computed in float64 by the
PyTorch mirror (scripts/reference_model.py). The Swift tests (ReferenceGradientTests) load the same
weights into Attend's model and compare loss and gradients, so they need no Python.

Run from the repository root with the reference venv:

    /opt/attend-ref/bin/python scripts/make_gradient_fixtures.py

Deterministic: fixed seeds, sorted keys, no timestamps; rerunning rewrites identical files.

Fixture format (JSON): {"name", "config" (an Attend ModelConfig, snake_case keys), "sources",
"targets" (id lists without <s>/</s>), "loss", "parameters": {name: {"shape", "values"}},
"gradients": {name: values}}. Weights are float32 values written exactly (as decimal doubles);
losses and gradients are float64.
"""
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from reference_model import DEFAULTS, build_model, load_parameters  # noqa: E402

OUT_DIR = "Tests/AttendModelTests/Fixtures"

# E = 4, H = 6, A = 4; V_source 11, V_target 9. Small enough for kilobyte fixtures, wide enough
# for two heads (A, H, C all even) and for padding in every batch.
BASE = {
    "embedding_size": 4,
    "hidden_size": 6,
    "attention_size": 4,
    "source_vocabulary_size": 11,
    "target_vocabulary_size": 9,
}

# The required list first, then the other options each covered once.
VARIANTS = [
    ("bahdanau", {}),
    ("luong-general-feeding", {"attention": "general", "input_feeding": True}),
    ("luong-concat", {"attention": "concat"}),
    ("scaled-dot", {"attention": "scaled-dot", "bidirectional": False}),
    ("multihead-bahdanau", {"attention_heads": 2}),
    ("multihead-scaled-dot", {"attention": "scaled-dot", "bidirectional": False, "attention_heads": 2, "input_feeding": False}),
    ("sparsemax", {"attention": "general", "attention_normalizer": "sparsemax", "attention_temperature": 0.5}),
    ("local-p", {"attention": "general", "attention_window": "local-p", "window_half_width": 2}),
    ("bidirectional-2-layer", {"encoder_layers": 2, "decoder_layers": 2}),
    ("dot-last-no-feeding", {"attention": "dot", "bidirectional": False, "decoder_init": "last", "input_feeding": False}),
    ("local-m-mean", {"attention": "concat", "attention_window": "local-m", "window_half_width": 1, "decoder_init": "mean"}),
    ("tied-zero-init", {"attention": "general", "embedding_size": 6, "tie_embeddings": True, "decoder_init": "zero"}),
    ("bahdanau-sparsemax-local-p-2-layer", {
        "attention_normalizer": "sparsemax", "attention_window": "local-p", "window_half_width": 2,
        "decoder_layers": 2, "attention_temperature": 2.0}),
    # Score functions outside their paper's decoder order (model.decoder).
    ("bahdanau-order-dot", {"attention": "dot", "decoder": "bahdanau", "bidirectional": False}),
    ("bahdanau-order-general", {"attention": "general", "decoder": "bahdanau", "attention_window": "local-m",
                                "window_half_width": 1}),
    ("luong-order-additive", {"attention": "bahdanau", "decoder": "luong"}),
    ("bahdanau-order-scaled-dot-2-head", {"attention": "scaled-dot", "decoder": "bahdanau", "bidirectional": False,
                                          "attention_heads": 2, "decoder_layers": 2}),
]

SOURCES = [[4, 5, 6, 7, 8, 9], [10, 4], [6, 6, 5, 7]]
TARGETS = [[7, 6, 5, 4], [4], [5, 8, 7]]


def exact(x):
    """A float32 value as a decimal that parses back to the same float32 through a double."""
    return float(np.float32(x))


def make(name, overrides, seed):
    config = dict(DEFAULTS)
    config.update(BASE)
    config.update(overrides)
    model = build_model(config)
    generator = torch.Generator().manual_seed(seed)
    tensors = {}
    for pname, parameter in model.named_parameters():
        values = (torch.rand(parameter.shape, generator=generator, dtype=torch.float64) * 1.2 - 0.6).float()
        tensors[pname] = values.double()
    load_parameters(model, tensors)
    loss = model.loss(SOURCES, TARGETS)
    loss.backward()
    parameters, gradients = {}, {}
    for pname, parameter in sorted(model.named_parameters()):
        parameters[pname] = {
            "shape": list(parameter.shape),
            "values": [exact(v) for v in tensors[pname].flatten().tolist()],
        }
        gradients[pname] = [float(g) for g in parameter.grad.flatten().tolist()]
    return {
        "name": name,
        "config": config,
        "sources": SOURCES,
        "targets": TARGETS,
        "loss": float(loss.detach()),
        "parameters": parameters,
        "gradients": gradients,
    }


def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    for seed, (name, overrides) in enumerate(VARIANTS):
        fixture = make(name, overrides, seed=1000 + seed)
        path = os.path.join(OUT_DIR, f"{name}.json")
        with open(path, "w") as f:
            json.dump(fixture, f, sort_keys=True, separators=(",", ":"))
            f.write("\n")
        print(f"{path}: loss {fixture['loss']:.6f}, {sum(len(p['values']) for p in fixture['parameters'].values())} parameters")


if __name__ == "__main__":
    main()
