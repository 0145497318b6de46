#!/usr/bin/env python3
"""A PyTorch mirror of Attend's model (Sources/AttendModel), written independently from the same
equations, used as the reference the Swift gradients are checked against.

Parameter names and shapes equal the Swift `ParameterStore`'s, so a {name: tensor} dict moves
between the two unchanged (an Attend checkpoint's tensors load with `load_parameters`). The config
is a dict with the snake_case keys of Attend's ModelConfig JSON (a checkpoint header's "model"):
missing keys take Attend's defaults (`DEFAULTS`; "decoder" defaults to the attention kind's paper
order, `decoder_order`).

Conventions shared with the Swift code (docs/attention.md has the equations):
- token ids: <pad> 0, <unk> 1, <s> 2, </s> 3; decoder input "<s> y", output "y </s>";
- the loss is the mean cross-entropy over real target tokens;
- the encoder masks padding (packed sequences), so a sentence's backward direction starts at its
  own last word and the final states are each sentence's own;
- local windows: positions j with |j - p| <= D inside the sentence; local-m p = min(t, len - 1);
  local-p p = (len - 1) * sigmoid(v_p . tanh(W_p q)), weights times exp(-(j - p)^2 / (2 (D/2)^2)).

Dropout is not mirrored (fixtures use dropout 0): Swift checks its dropout with finite differences
under a fixed mask. Not used by the product; the Swift build and tests never need Python.
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

PAD, UNK, BOS, EOS = 0, 1, 2, 3

DEFAULTS = {
    "embedding_size": 128,
    "hidden_size": 128,
    "attention_size": 128,
    "bidirectional": True,
    "attention": "bahdanau",
    "decoder_init": "bridge",
    "encoder_layers": 1,
    "decoder_layers": 1,
    "dropout": 0.0,
    "attention_heads": 1,
    "attention_normalizer": "softmax",
    "attention_window": "global",
    "window_half_width": 10,
    "input_feeding": True,
    "attention_temperature": 1.0,
    "decoding_temperature": 1.0,
    "hard_attention": False,
    "tie_embeddings": False,
    "weight_init": "xavier",
    "recurrent_init": "xavier",
    "init_range": 0.1,
    "source_vocabulary_size": 0,
    "target_vocabulary_size": 0,
}

ADDITIVE = ("bahdanau", "concat")


def decoder_order(cfg):
    """Attend's ModelConfig.decoder: the config's "decoder" when it has one, otherwise the attention
    kind's paper order (bahdanau -> bahdanau, every other kind -> luong). Not in DEFAULTS, so a
    config written without it stays as it was."""
    return cfg.get("decoder") or ("bahdanau" if cfg["attention"] == "bahdanau" else "luong")


def sparsemax(z):
    """Martins & Astudillo 2016 on the last dimension; differentiable through autograd (the support
    is found with comparisons, tau is a mean over it)."""
    zs, _ = torch.sort(z, dim=-1, descending=True)
    cumulative = zs.cumsum(-1)
    ks = torch.arange(1, z.shape[-1] + 1, dtype=z.dtype)
    support = (1 + ks * zs > cumulative).sum(-1, keepdim=True)
    tau = (cumulative.gather(-1, support - 1) - 1) / support.to(z.dtype)
    return torch.clamp(z - tau, min=0)


class Holder(nn.Module):
    """A named bag of parameters (so names read `attention.position.v` and so on)."""


class Attention(nn.Module):
    def __init__(self, cfg, query, context):
        super().__init__()
        self.kind = cfg["attention"]
        self.normalizer = cfg["attention_normalizer"]
        self.window = cfg["attention_window"]
        self.heads = cfg["attention_heads"]
        self.half_width = cfg["window_half_width"]
        a = cfg["attention_size"]
        self.a, self.c, self.dq = a, context, query
        if self.kind in ADDITIVE:
            self.query = nn.Linear(query, a, bias=False)
            self.key = nn.Linear(context, a, bias=False)
            self.v = nn.Parameter(torch.zeros(a))
        elif self.kind == "general":
            self.key = nn.Linear(context, query, bias=False)
        if self.window == "local-p":
            self.position = Holder()
            self.position.weight = nn.Parameter(torch.zeros(a, query))
            self.position.v = nn.Parameter(torch.zeros(a))
        if self.heads > 1:
            self.value = nn.Linear(context, context, bias=False)
            self.output = nn.Linear(context, context, bias=False)

    def project(self, enc):
        """enc [S, B, C] -> (keys [S, B, K], values [S, B, C])."""
        keys = enc if self.kind in ("dot", "scaled-dot") else self.key(enc)
        values = self.value(enc) if self.heads > 1 else enc
        return keys, values

    def forward(self, step, q, keys, values, lengths, temperature, hard=False):
        """q [B, H] -> (context [B, C], weights [B, S] averaged over heads)."""
        s, b = keys.shape[0], keys.shape[1]
        n = self.heads
        if self.kind in ADDITIVE:
            qp = self.query(q).view(b, n, -1)  # [B, n, A/n]
            kp = keys.view(s, b, n, -1)
            scores = (torch.tanh(qp.unsqueeze(0) + kp) * self.v.view(n, -1)).sum(-1)  # [S, B, n]
        else:
            qh = q.view(b, n, -1)
            kh = keys.view(s, b, n, -1)
            scores = (qh.unsqueeze(0) * kh).sum(-1)
            if self.kind == "scaled-dot":
                scores = scores / math.sqrt(qh.shape[-1])
        scores = scores / temperature
        vh = values.view(s, b, n, -1)
        contexts, reports = [], []
        for bi in range(b):
            length = int(lengths[bi])
            centre = None
            if self.window == "global":
                lo, hi = 0, length
            else:
                if self.window == "local-m":
                    centre = torch.tensor(float(min(step, length - 1)), dtype=q.dtype)
                else:
                    t = torch.tanh(self.position.weight @ q[bi])
                    centre = (length - 1) * torch.sigmoid(t @ self.position.v)
                c = float(centre.detach())
                lo = max(0, math.ceil(c - self.half_width))
                hi = min(length, math.floor(c + self.half_width) + 1)
            z = scores[lo:hi, bi, :].transpose(0, 1)  # [n, window]
            alpha = torch.softmax(z, -1) if self.normalizer == "softmax" else sparsemax(z)
            if self.window == "local-p":
                positions = torch.arange(lo, hi, dtype=q.dtype)
                sigma = self.half_width / 2
                alpha = alpha * torch.exp(-((positions - centre) ** 2) / (2 * sigma * sigma))
            if hard:
                alpha = F.one_hot(alpha.argmax(-1), hi - lo).to(q.dtype)
            ctx = torch.einsum("nj,jnd->nd", alpha, vh[lo:hi, bi]).reshape(-1)  # [C]
            contexts.append(ctx)
            report = torch.zeros(s, dtype=q.dtype)
            report[lo:hi] = alpha.detach().mean(0)
            reports.append(report)
        context = torch.stack(contexts)
        if self.heads > 1:
            context = self.output(context)
        return context, torch.stack(reports)


class Seq2Seq(nn.Module):
    """Encoder, decoder init, decoder layers and attention as Attend's Seq2Seq."""

    def __init__(self, config):
        super().__init__()
        cfg = dict(DEFAULTS)
        cfg.update(config)
        self.cfg = cfg
        e, h = cfg["embedding_size"], cfg["hidden_size"]
        c = 2 * h if cfg["bidirectional"] else h
        self.e, self.h, self.c = e, h, c
        # Every score function runs in either order; the attention module does not depend on it.
        self.luong = decoder_order(cfg) == "luong"
        self.feeding = self.luong and cfg["input_feeding"]

        self.encoder = Holder()
        self.encoder.embedding = nn.Embedding(cfg["source_vocabulary_size"], e)
        self.encoder.rnn = nn.GRU(e, h, num_layers=cfg["encoder_layers"], bidirectional=cfg["bidirectional"])
        if cfg["decoder_init"] in ("bridge", "mean"):
            self.bridge = nn.Linear(c, h)
        self.decoder = Holder()
        self.decoder.embedding = nn.Embedding(cfg["target_vocabulary_size"], e)
        first_input = e + ((h if cfg["input_feeding"] else 0) if self.luong else c)
        self.decoder.rnn = nn.GRUCell(first_input, h)
        for layer in range(1, cfg["decoder_layers"]):
            setattr(self.decoder, f"rnn_l{layer}", nn.GRUCell(h, h))
        self.attention = Attention(cfg, h, c)
        if self.luong:
            self.decoder.attentional = nn.Linear(c + h, h, bias=False)
        else:
            self.decoder.readout = nn.Linear(e + c + h, e)
        self.decoder.output = nn.Linear(h if self.luong else e, cfg["target_vocabulary_size"])
        if cfg["tie_embeddings"]:
            self.decoder.output.weight = self.decoder.embedding.weight

    def cells(self):
        return [self.decoder.rnn] + [getattr(self.decoder, f"rnn_l{l}") for l in range(1, self.cfg["decoder_layers"])]

    def encode(self, src, lengths):
        """src [S, B] -> (states [S, B, C], initial decoder state [B, H])."""
        x = self.encoder.embedding(src)
        packed = pack_padded_sequence(x, torch.tensor(lengths), enforce_sorted=False)
        out, h_n = self.encoder.rnn(packed)
        states, _ = pad_packed_sequence(out, total_length=src.shape[0])
        final = torch.cat([h_n[-2], h_n[-1]], -1) if self.cfg["bidirectional"] else h_n[-1]
        init = self.cfg["decoder_init"]
        if init == "bridge":
            s0 = torch.tanh(self.bridge(final))
        elif init == "mean":
            mean = states.sum(0) / torch.tensor(lengths, dtype=states.dtype).unsqueeze(1)
            s0 = torch.tanh(self.bridge(mean))
        elif init == "last":
            s0 = final
        else:
            s0 = torch.zeros(src.shape[1], self.h, dtype=states.dtype)
        return states, s0

    def start(self, states, s0):
        """The decoder's state before step 0."""
        keys, values = self.attention.project(states)
        layers = [s0] * self.cfg["decoder_layers"]
        feed = torch.zeros_like(s0)
        return {"keys": keys, "values": values, "layers": layers, "feed": feed}

    def step(self, i, state, inputs, lengths, decoding=False):
        """One decoder step on input ids [B] -> (logits [B, V], attention [B, S]); updates state."""
        cfg = self.cfg
        temperature = cfg["decoding_temperature"] if decoding else cfg["attention_temperature"]
        hard = decoding and cfg["hard_attention"]
        emb = self.decoder.embedding(inputs)
        layers = state["layers"]
        if self.luong:
            x = torch.cat([emb, state["feed"]], -1) if self.feeding else emb
            new = self.run_layers(x, layers)
            ctx, weights = self.attention(i, new[-1], state["keys"], state["values"], lengths, temperature, hard)
            out = torch.tanh(self.decoder.attentional(torch.cat([ctx, new[-1]], -1)))
            state["feed"] = out
        else:
            ctx, weights = self.attention(i, layers[-1], state["keys"], state["values"], lengths, temperature, hard)
            new = self.run_layers(torch.cat([emb, ctx], -1), layers)
            out = torch.tanh(self.decoder.readout(torch.cat([emb, ctx, new[-1]], -1)))
        state["layers"] = new
        return self.decoder.output(out), weights

    def run_layers(self, x, layers):
        new = []
        for cell, previous in zip(self.cells(), layers):
            x = cell(x, previous)
            new.append(x)
        return new

    def loss(self, sources, targets):
        """Teacher-forced mean token cross-entropy of a batch given as lists of id lists."""
        src, lengths, tgt_in, tgt_out = make_batch(sources, targets)
        states, s0 = self.encode(src, lengths)
        state = self.start(states, s0)
        logits = []
        for i in range(tgt_in.shape[0]):
            step_logits, _ = self.step(i, state, tgt_in[i], lengths)
            logits.append(step_logits)
        logits = torch.stack(logits)
        return F.cross_entropy(
            logits.reshape(-1, logits.shape[-1]), tgt_out.reshape(-1), ignore_index=PAD, reduction="sum"
        ) / (tgt_out != PAD).sum()

    @torch.no_grad()
    def greedy(self, sources, max_length_ratio=2.0):
        """Greedy decoding with the decoding attention mode: token id lists without </s>."""
        src, lengths, _, _ = make_batch(sources, [[] for _ in sources])
        states, s0 = self.encode(src, lengths)
        state = self.start(states, s0)
        limits = [int(max_length_ratio * max(1, n)) + 5 for n in lengths]
        inputs = torch.full((len(sources),), BOS, dtype=torch.long)
        outputs = [[] for _ in sources]
        done = [False] * len(sources)
        for i in range(max(limits) + 1):
            logits, _ = self.step(i, state, inputs, lengths, decoding=True)
            inputs = logits.argmax(-1)
            for b in range(len(sources)):
                if done[b]:
                    continue
                token = int(inputs[b])
                if token == EOS or len(outputs[b]) >= limits[b]:
                    done[b] = True
                else:
                    outputs[b].append(token)
            if all(done):
                break
        return outputs


def make_batch(sources, targets):
    """Attend's Batch.make: time-major [S, B] source, lengths, [T, B] decoder input and output."""
    b = len(sources)
    s = max(1, max(len(x) for x in sources))
    t = max(len(y) for y in targets) + 1
    src = torch.full((s, b), PAD, dtype=torch.long)
    tgt_in = torch.full((t, b), PAD, dtype=torch.long)
    tgt_out = torch.full((t, b), PAD, dtype=torch.long)
    for i, (x, y) in enumerate(zip(sources, targets)):
        src[: len(x), i] = torch.tensor(x, dtype=torch.long)
        tgt_in[0, i] = BOS
        if y:
            tgt_in[1 : len(y) + 1, i] = torch.tensor(y, dtype=torch.long)
            tgt_out[: len(y), i] = torch.tensor(y, dtype=torch.long)
        tgt_out[len(y), i] = EOS
    return src, [max(1, len(x)) for x in sources], tgt_in, tgt_out


def build_model(config, dtype=torch.float64):
    """A mirror model for an Attend ModelConfig dict (snake_case keys; missing keys default)."""
    return Seq2Seq(config).to(dtype)


def load_parameters(model, tensors):
    """Copies {name: tensor or nested list} into the model; names and shapes must match exactly."""
    own = dict(model.named_parameters())
    missing = sorted(set(own) - set(tensors))
    extra = sorted(set(tensors) - set(own))
    if missing or extra:
        raise ValueError(f"parameter names differ: missing {missing}, unexpected {extra}")
    with torch.no_grad():
        for name, parameter in own.items():
            value = torch.as_tensor(tensors[name], dtype=parameter.dtype)
            if tuple(value.shape) != tuple(parameter.shape):
                raise ValueError(f"{name}: shape {tuple(value.shape)}, the model expects {tuple(parameter.shape)}")
            parameter.copy_(value)
