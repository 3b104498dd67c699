# SPDX-License-Identifier: GPL-3.0-or-later
"""The long-context stage (issue 19): after the first stage's 128-token training, a model's learned
position table grows to --long-ctx rows and the model trains on, alternating steps of the first
stage's short batches with steps of long sequences. The short steps keep what the first stage
learned on short texts (the card's loss and positional heads); the long steps teach the new rows."""
import copy
import os
import time

import numpy as np
import torch
import torch.nn as nn

from export import export_fp16
from log import log
from recipe import init_positions, lr_at, position_init


def long_init(args, kind):
    return args.long_init_gpt if kind == "gpt" else args.long_init_bert


def extend_positions(emb, new_len, args, kind):
    """A new position table of new_len rows: the trained rows keep their values. The new rows start as
    the first stage's rows did (`continue`: init_positions, the sinusoids continued past the old length)
    or as copies of the trained rows 1..old_len-1 repeated (`tile`, as Longformer grew RoBERTa's table;
    row 0 is left out, it only ever held [CLS] or <s>)."""
    old_len, d = emb.weight.shape
    new = nn.Embedding(new_len, d)
    with torch.no_grad():
        if long_init(args, kind) == "tile":
            src = 1 + (torch.arange(old_len, new_len) - 1) % (old_len - 1)
            new.weight[old_len:] = emb.weight[src]
        elif position_init(args, kind) == "normal":
            new.weight.normal_(0.0, 0.02)
        else:
            init_positions(new.weight, args, kind)
        new.weight[:old_len] = emb.weight
    return new


def first_stage_figures(model, metrics, kind):
    """metrics(m) of the first stage's model as it would be saved (F16-rounded copy), for the card."""
    snap = copy.deepcopy(model)
    export_fp16(snap)
    figures = metrics(snap)
    log(f"{kind} after the first stage: held {figures['held_loss']:.4f}")
    return figures


def long_enabled(args, kind):
    return kind in args.long_models.split(",") and args.long_ctx > args.ctx and args.long_steps > 0


def long_checkpoint(args, stage1_ckpt, kind):
    stem, ext = os.path.splitext(stage1_ckpt)
    init = "" if long_init(args, kind) == "continue" else f"_{long_init(args, kind)}"
    return (f"{stem}_long{args.long_ctx}x{args.long_batch}_{args.long_steps}_lr{args.long_lr_scale:g}"
            f"pos{args.long_pos_lr_scale:g}{init}{ext}")


def train_long(model, positions, kind, args, seed, short_batch, long_batch, loss_of, peak_lr, pos_peak_lr, wd,
               ckpt, progress):
    """Run the stage: a fresh AdamW (the first stage's checkpoint holds no optimizer state), warm-up
    --long-warmup steps to peak_lr (pos_peak_lr for the position table), cosine to 10%; even steps train on short_batch(rng), odd steps on
    long_batch(rng); loss_of(batch) -> scalar loss. progress(step) logs a line. Returns the wall time."""
    torch.manual_seed(seed + 37)
    rng = np.random.RandomState(seed + 37)
    if args.reuse_trained and os.path.exists(ckpt):
        c = torch.load(ckpt)
        model.load_state_dict(c["state"])
        log(f"reusing long-context weights from {ckpt}")
        return c["wall"]
    # The position table's new rows are all the stage has to learn from scratch: they get their own,
    # higher peak learning rate (--long-pos-lr-scale x the first stage's peak).
    decay = [p for p in model.parameters() if p.dim() >= 2 and p is not positions]
    nodecay = [p for p in model.parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": wd, "peak": peak_lr},
                             {"params": nodecay, "weight_decay": 0.0, "peak": peak_lr},
                             {"params": [positions], "weight_decay": 0.0, "peak": pos_peak_lr}],
                            lr=peak_lr, betas=(0.9, 0.95), eps=1e-8)
    model.train()
    t0 = time.time()
    hist = {0: [], 1: []}
    for step in range(args.long_steps):
        lr = lr_at(step, args.long_steps, peak_lr, args.long_warmup)
        for g in opt.param_groups:
            g["lr"] = lr_at(step, args.long_steps, g["peak"], args.long_warmup)
        loss = loss_of(long_batch(rng) if step % 2 else short_batch(rng))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        hist[step % 2].append(loss.item())
        if (step + 1) % args.log_every == 0 or step + 1 == args.long_steps:
            el = time.time() - t0
            log(f"{kind} long step {step + 1}/{args.long_steps} lr {lr:.2e} short {np.mean(hist[0][-50:]):.4f} "
                f"long {np.mean(hist[1][-50:]):.4f} {el:.0f}s ({el / (step + 1):.3f}s/step) " + progress())
            model.train()
    wall = time.time() - t0
    torch.save({"state": model.state_dict(), "wall": wall}, ckpt)
    return wall


def position_bands(short, long_):
    """Query-position bands for the card: [0, short), [short, 4 short), [4 short, long)."""
    edges = [0, short, min(4 * short, long_), long_]
    return [(a, b) for a, b in zip(edges, edges[1:]) if b > a]


def band_means(values, counts, bands):
    """values, counts: per position sums and counts -> mean per band."""
    return [float(values[a:b].sum() / max(1, counts[a:b].sum())) for a, b in bands]


def pick_queries(short, long_):
    """The query rows kept in the long reference: the first, the first stage's last and the first new
    position, the middle and the last."""
    return sorted({0, short - 1, short, long_ // 2, long_ - 1})
