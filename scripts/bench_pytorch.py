#!/usr/bin/env python3
"""The PyTorch side of `attend bench --compare`: the same model (scripts/reference_model.py, the
mirror the Swift gradients are checked against), the same batches and the same initial weights as
the Swift run, on 2 threads, in float32.

To give PyTorch its best case, the training forward computes the readout and output layer over all
target steps at once (as Attend does) instead of step by step; the recurrence and attention run per
step, as they must. Usage (attend bench writes the workload directory):

    python3 scripts/bench_pytorch.py WORKLOAD_DIR            # prints one JSON object
    python3 scripts/bench_pytorch.py WORKLOAD_DIR --startup  # load weights, translate one sentence
"""
import json
import os
import resource
import statistics
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reference_model as ref  # noqa: E402

torch.set_num_threads(2)


def load(workload, name):
    with open(os.path.join(workload, f"{name}.json")) as f:
        spec = json.load(f)
    model = ref.build_model(spec["model"], dtype=torch.float32)
    flat = np.fromfile(os.path.join(workload, f"{name}.weights.bin"), dtype="<f4")
    tensors = {t["name"]: torch.from_numpy(flat[t["offset"]: t["offset"] + int(np.prod(t["shape"]))].reshape(t["shape"]))
               for t in spec["tensors"]}
    ref.load_parameters(model, tensors)
    return spec, model


def attend(model, q, keys, values, mask):
    """Global attention over the whole batch at once (no per-sentence Python loop): Bahdanau
    additive, or Luong dot / general / scaled-dot scores; padding masked to -inf before softmax."""
    att = model.attention
    if att.kind in ref.ADDITIVE:
        scores = (torch.tanh(att.query(q).unsqueeze(0) + keys) * att.v).sum(-1)  # [S, B]
    else:
        scores = (q.unsqueeze(0) * keys).sum(-1)
        if att.kind == "scaled-dot":
            scores = scores / (q.shape[-1] ** 0.5)
    alpha = torch.softmax(scores.masked_fill(~mask, float("-inf")), 0)  # [S, B]
    return (alpha.unsqueeze(-1) * values).sum(0), alpha


def start(model, sources):
    src, lengths, _, _ = ref.make_batch(sources, [[] for _ in sources])
    states, s0 = model.encode(src, lengths)
    state = model.start(states, s0)
    state["mask"] = torch.arange(src.shape[0]).unsqueeze(1) < torch.tensor(lengths).unsqueeze(0)
    return state


def step(model, state, inputs):
    """One decoder step -> the vector the output layer reads (readout or attentional state)."""
    emb = model.decoder.embedding(inputs)
    if model.luong:
        x = torch.cat([emb, state["feed"]], -1) if model.feeding else emb
        new = model.run_layers(x, state["layers"])
        ctx, _ = attend(model, new[-1], state["keys"], state["values"], state["mask"])
        out = torch.tanh(model.decoder.attentional(torch.cat([ctx, new[-1]], -1)))
        state["feed"] = out
    else:
        ctx, _ = attend(model, state["layers"][-1], state["keys"], state["values"], state["mask"])
        new = model.run_layers(torch.cat([emb, ctx], -1), state["layers"])
        out = torch.tanh(model.decoder.readout(torch.cat([emb, ctx, new[-1]], -1)))
    state["layers"] = new
    return out


def batched_loss(model, sources, targets):
    """Teacher-forced loss; the output layer and cross-entropy run over all steps at once."""
    src, lengths, tgt_in, tgt_out = ref.make_batch(sources, targets)
    state = start(model, sources)
    outs = torch.stack([step(model, state, tgt_in[i]) for i in range(tgt_in.shape[0])])
    logits = model.decoder.output(outs)
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), tgt_out.reshape(-1), ignore_index=ref.PAD,
                           reduction="sum") / (tgt_out != ref.PAD).sum()


@torch.no_grad()
def greedy(model, sources, ratio):
    """Batched greedy decoding, stopping each sentence at </s> or ratio x length + 5 tokens."""
    state = start(model, sources)
    limits = [int(ratio * max(1, len(x))) + 5 for x in sources]
    inputs = torch.full((len(sources),), ref.BOS, dtype=torch.long)
    outputs, done = [[] for _ in sources], [False] * len(sources)
    for _ in range(max(limits) + 1):
        inputs = model.decoder.output(step(model, state, inputs)).argmax(-1)
        for b, token in enumerate(inputs.tolist()):
            if done[b]:
                continue
            if token == ref.EOS or len(outputs[b]) >= limits[b]:
                done[b] = True
            else:
                outputs[b].append(token)
        if all(done):
            break
    return outputs


@torch.no_grad()
def beam_search(model, source, k=5, ratio=2.0):
    """Beam search for one sentence with its K hypotheses as K batch rows; finished hypotheses
    are ranked by log-probability divided by length."""
    state = start(model, [source])
    limit = int(ratio * max(1, len(source))) + 5
    hyps = [([], 0.0)]
    finished = []
    for i in range(limit + 1):
        n = len(hyps)
        if state["keys"].shape[1] != n:
            state["keys"] = state["keys"][:, :1].expand(-1, n, -1)
            state["values"] = state["values"][:, :1].expand(-1, n, -1)
            state["mask"] = state["mask"][:, :1].expand(-1, n)
        inputs = torch.tensor([h[0][-1] if h[0] else ref.BOS for h in hyps])
        logp = F.log_softmax(model.decoder.output(step(model, state, inputs)), -1)
        scores = torch.tensor([h[1] for h in hyps]).unsqueeze(1) + logp
        top = scores.reshape(-1).topk(min(k, scores.numel()))
        new_hyps, rows = [], []
        for score, index in zip(top.values.tolist(), top.indices.tolist()):
            row, token = divmod(index, logp.shape[1])
            tokens = hyps[row][0] + [token]
            if token == ref.EOS or i == limit:
                finished.append((tokens, score / len(tokens)))
            else:
                new_hyps.append((tokens, score))
                rows.append(row)
        if not new_hyps or len(finished) >= k:
            break
        index = torch.tensor(rows)
        state["layers"] = [layer.index_select(0, index) for layer in state["layers"]]
        state["feed"] = state["feed"].index_select(0, index)
        hyps = new_hyps
    return max(finished, key=lambda f: f[1])[0] if finished else hyps[0][0]


def train(workload, name, repeats):
    spec, model = load(workload, name)
    batches = spec["batches"]
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)

    def train_step(batch):
        optimizer.zero_grad(set_to_none=True)
        loss = batched_loss(model, batch["sources"], batch["targets"])
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()

    for i in range(3):
        train_step(batches[i % len(batches)])
    tokens = sum(len(t) + 1 for b in batches for t in b["targets"])
    rates = []
    for _ in range(repeats):
        start = time.perf_counter()
        for batch in batches:
            train_step(batch)
        rates.append(tokens / (time.perf_counter() - start))
    return {"tokens_per_second": statistics.median(rates), "runs": rates}


def decode(workload, name, repeats):
    spec, model = load(workload, name)
    sources = spec["decode_sources"]
    model.eval()
    ratio = spec.get("max_length_ratio", 2.0)
    greedy(model, sources[:64], ratio)
    times = []
    for _ in range(repeats):
        begin = time.perf_counter()
        for i in range(0, len(sources), 64):
            greedy(model, sources[i:i + 64], ratio)
        times.append(time.perf_counter() - begin)
    beam_sources = sources[:20]
    beam_search(model, beam_sources[0], 5, ratio)
    begin = time.perf_counter()
    for source in beam_sources:
        beam_search(model, source, 5, ratio)
    beam_latency = (time.perf_counter() - begin) / len(beam_sources)
    return {"greedy_sentences_per_second": len(sources) / statistics.median(times),
            "beam5_seconds_per_sentence": beam_latency}


def peak_rss_mib():
    """This process's peak resident memory: VmHWM, which starts afresh at exec (getrusage's
    ru_maxrss starts at the RSS of the process that spawned this one, here attend bench)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main():
    workload = sys.argv[1]
    if "--translate-memory" in sys.argv:
        # The translation process of `attend bench`'s memory row: load the checkpoint's weights,
        # greedy-decode the dev sources in batches of 64, print the peak memory in MiB.
        spec, model = load(workload, "translate")
        sources = spec["decode_sources"]
        for i in range(0, len(sources), 64):
            greedy(model, sources[i:i + 64], spec["max_length_ratio"])
        print(peak_rss_mib())
        return
    if "--startup" in sys.argv:
        spec, model = load(workload, "startup")
        print(greedy(model, [spec["decode_sources"][0]], 2.0))
        return
    with open(os.path.join(workload, "workload.json")) as f:
        plan = json.load(f)
    results = {"torch": torch.__version__, "threads": torch.get_num_threads(), "training": []}
    for name in plan["training"]:
        r = train(workload, name, plan["repeats"])
        r["name"] = name
        results["training"].append(r)
    if plan.get("decode"):
        results.update(decode(workload, plan["decode"], plan["repeats"]))
    results["peak_rss_mib"] = peak_rss_mib()
    print(json.dumps(results))


if __name__ == "__main__":
    main()
