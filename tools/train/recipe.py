# SPDX-License-Identifier: GPL-3.0-or-later
"""The training recipe shared by both models: learning-rate schedule, AdamW groups, the position-table
initialisation, and growing the causal model by identity layers at the bottom."""
import math

import numpy as np
import torch

from gpt2_model import GPT2Block


def lr_at(step, total, peak, warmup):
    if step < warmup:
        return peak * (step + 1) / warmup
    prog = (step - warmup) / max(1, total - warmup)
    return peak * (0.1 + 0.9 * 0.5 * (1.0 + math.cos(math.pi * prog)))


def make_optimizer(model, lr, wd, positions):
    """AdamW; weight decay on the matrices except the position table `positions` (decay would pull the
    sinusoids it starts from towards zero)."""
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2 and p is not positions]
    nodecay = [p for n, p in model.named_parameters() if p.dim() < 2 or p is positions]
    return torch.optim.AdamW([{"params": decay, "weight_decay": wd},
                              {"params": nodecay, "weight_decay": 0.0}], lr=lr, betas=(0.9, 0.95), eps=1e-8)


def grow_bottom(model, n_new, opt, lr, wd, positions):
    """Insert n_new GPT-2 blocks below the existing ones, each starting as the identity: its output
    projections (`attn.c_proj`, `mlp.c_proj`) and all biases are zero, so the residual stream and the
    trained layers above see exactly what they saw before. The other new weights are initialised as
    `_init_weights` does. Returns a new optimizer that keeps the AdamW state of the old weights."""
    tr = model.transformer
    d, cfg = tr.wte.weight.shape[1], model.cfg
    for _ in range(n_new):
        blk = GPT2Block(d, cfg["n_head"], cfg["n_positions"], cfg["layer_norm_epsilon"])
        with torch.no_grad():
            for n, p in blk.named_parameters():
                if n.startswith(("ln_1", "ln_2")) and n.endswith(".weight"):
                    p.fill_(1.0)
                elif n.endswith(".bias") or n.endswith("c_proj.weight"):
                    p.zero_()
                else:
                    p.normal_(0.0, cfg["initializer_range"])
        tr.h.insert(0, blk)
    cfg["n_layer"] = len(tr.h)
    new = make_optimizer(model, lr, wd, positions)
    for p, state in opt.state.items():
        new.state[p] = state
    return new


def position_init(args, kind):
    return args.gpt_pos_init if kind == "gpt" else args.bert_pos_init


def init_positions(weight, args, kind):
    """Learned absolute positions (the architecture is unchanged) initialised with the sinusoids of
    Vaswani et al. 2017 (angle t / 10000^(2i/D)), amplitude --pos-scale x initializer_range: every offset
    t -> t-1 is then the same rotation in each frequency plane, which attention can learn once for all
    positions. With HF's N(0, 0.02) table (`normal`) neither model formed positional heads in budget."""
    if position_init(args, kind) == "normal":
        return
    P, D = weight.shape
    pos = np.arange(P)[:, None]
    i = np.arange(D // 2)[None]
    ang = pos / 10000.0 ** (2 * i / D)                          # (P, D/2)
    pe = np.zeros((P, D))
    pe[:, 0::2], pe[:, 1::2] = np.sin(ang), np.cos(ang)      # (P, D)
    with torch.no_grad():
        weight.copy_(torch.from_numpy(pe * 0.02 * args.pos_scale).float())
