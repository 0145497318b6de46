#!/usr/bin/env python3
"""The PyTorch side of `attend bench --race`, the quality race of issue #8: train the model Attend
wrote (same initial weights, same batches in the same order, same Adam settings and clipping) for
the same wall-clock budget on 2 threads, then greedy-decode the dev sources to token ids. Attend
turns the ids into text and scores them with its own BLEU, exactly as it scores its own output.

The model, the batched training loss and greedy decoding are scripts/bench_pytorch.py's (the
mirror of scripts/reference_model.py given its best case). The budget covers only the training
loop, as on Attend's side; decoding afterwards is timed separately. Usage (attend bench --race
writes the workload directory: race.json, race.weights.bin, race-batches.json):

    python3 scripts/race_pytorch.py WORKLOAD_DIR    # writes WORKLOAD_DIR/race-pytorch.json
"""
import json
import os
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_pytorch as bench  # noqa: E402  (sets torch.set_num_threads(2))

REPORT_EVERY = 30.0  # seconds between progress lines on standard error


def train(model, spec, plan):
    """Full training steps over the plan's batches, in order, until the budget has passed (checked
    before each step, as Attend does) or the plan runs out."""
    race = spec["race"]
    if race["teacher_forcing"] != 1.0 or spec["model"].get("dropout", 0.0) != 0.0:
        raise SystemExit("race_pytorch.py: the mirror trains with teacher forcing 1 and dropout 0 only")
    sources, targets = spec["train_sources"], spec["train_targets"]
    optimizer = torch.optim.Adam(model.parameters(), lr=race["learning_rate"], betas=tuple(race["adam_betas"]),
                                 eps=race["adam_epsilon"])
    clip = race["clip_norm"]
    budget = plan["budget_seconds"]
    loss_sums, step_tokens = [], []
    model.train()
    start = time.perf_counter()
    next_report = REPORT_EVERY
    for batch in plan["batches"]:
        if time.perf_counter() - start >= budget:
            break
        xs, ys = [sources[i] for i in batch], [targets[i] for i in batch]
        tokens = sum(len(y) + 1 for y in ys)  # </s> included, as Batch.targetTokenCount
        optimizer.zero_grad(set_to_none=True)
        loss = bench.batched_loss(model, xs, ys)
        loss.backward()
        if clip > 0:
            torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
        optimizer.step()
        loss_sums.append(loss.item() * tokens)
        step_tokens.append(tokens)
        elapsed = time.perf_counter() - start
        if elapsed >= next_report:
            print(f"pytorch: step {len(step_tokens)}  {sum(step_tokens) / elapsed:.0f} tok/s  {elapsed:.0f}s",
                  file=sys.stderr, flush=True)
            next_report += REPORT_EVERY
    seconds = time.perf_counter() - start
    return {"steps": len(step_tokens), "target_tokens": sum(step_tokens), "seconds": seconds,
            "step_loss_sums": loss_sums, "step_tokens": step_tokens,
            "plan_exhausted": len(step_tokens) == len(plan["batches"]) and seconds < budget}


def decode(model, spec):
    """Greedy translations of the dev sources as id lists without </s>, in dev order."""
    race = spec["race"]
    sources, size = spec["dev_sources"], race["decode_batch_size"]
    model.eval()
    start = time.perf_counter()
    outputs = []
    for i in range(0, len(sources), size):
        outputs += bench.greedy(model, sources[i:i + size], race["max_length_ratio"])
    return outputs, time.perf_counter() - start


def main():
    workload = sys.argv[1]
    spec, model = bench.load(workload, "race")
    with open(os.path.join(workload, "race-batches.json")) as f:
        plan = json.load(f)
    result = {"torch": torch.__version__, "threads": torch.get_num_threads()}
    result.update(train(model, spec, plan))
    result["dev_outputs"], result["decode_seconds"] = decode(model, spec)
    with open(os.path.join(workload, "race-pytorch.json"), "w") as f:
        json.dump(result, f)


if __name__ == "__main__":
    main()
