# SPDX-License-Identifier: GPL-3.0-or-later
"""The causal model's stage: training (with the two-stage grow schedule), F16 export, evaluation and
reference outputs."""
import copy
import json
import os
import time

import numpy as np
import torch
import torch.nn.functional as F

import tokenization
from batches import gpt_batch, heldout_windows, unigram_logprobs, valid_starts
from export import dump_json, export_fp16, write_safetensors, write_text
from gpt2_model import GPT2LMHeadModel
from hf_folder import GPT_NAME, write_model_folder
from log import log
from long_context import (band_means, extend_positions, first_stage_figures, long_checkpoint, long_enabled, pick_queries,
                          position_bands, train_long)
from recipe import grow_bottom, init_positions, lr_at, make_optimizer
from sentences import candidate_sentences, pick_sentences
from tokenization import BOS, EOS, PAD


def run_gpt(args, sp, tok_path, data, held_books, seed):
    """Train, export and evaluate the causal model; write its folder and reference outputs.
    data = (train_stream, train_starts, held_stream, held_starts); held_books as split_heldout
    returns them (the reference sentences come from them). Returns the statistics of the card."""
    train_stream, train_starts, held_stream, held_starts = data
    V = sp.get_piece_size()
    T = args.ctx
    cfg = {
        "activation_function": "gelu_new",
        "architectures": ["GPT2LMHeadModel"],
        "attn_pdrop": 0.0,
        "bos_token_id": BOS,
        "embd_pdrop": 0.0,
        "eos_token_id": EOS,
        "initializer_range": 0.02,
        "layer_norm_epsilon": 1e-05,
        "model_type": "gpt2",
        "n_ctx": T,
        "n_embd": args.d_model,
        "n_head": args.heads,
        "n_inner": None,
        "n_layer": args.layers,
        "n_positions": T,
        "pad_token_id": PAD,
        "reorder_and_upcast_attn": False,
        "resid_pdrop": 0.0,
        "scale_attn_by_inverse_layer_idx": False,
        "scale_attn_weights": True,
        "summary_activation": None,
        "summary_first_dropout": 0.1,
        "summary_proj_to_labels": True,
        "summary_type": "cls_index",
        "summary_use_proj": True,
        "tie_word_embeddings": True,
        "torch_dtype": "float16",
        "use_cache": True,
        "vocab_size": V,
    }
    torch.manual_seed(seed)
    rng = np.random.RandomState(seed)
    grow = 0 < args.gpt_grow_from < args.layers
    model = GPT2LMHeadModel(dict(cfg, n_layer=args.gpt_grow_from) if grow else dict(cfg))
    init_positions(model.transformer.wpe.weight, args, "gpt")
    opt = make_optimizer(model, args.gpt_lr, 0.1, model.transformer.wpe.weight)
    log(f"GPT-2: {sum(p.numel() for p in model.parameters())} parameters, {args.gpt_steps} steps x "
        f"{args.batch} x {T}" + (f"; {args.gpt_grow_from} layers until step {args.gpt_grow_at}, then "
                                 f"{args.layers}" if grow else ""))
    starts = valid_starts(train_starts, len(train_stream), T)
    held_win = heldout_windows(held_stream, T + 1, BOS)       # BOS + T tokens: T predictions
    quick = torch.from_numpy(held_win[:16])
    t0 = time.time()
    hist = []
    model.train()
    ckpt = os.path.join(args.work, f"gpt_trained_{args.gpt_steps}" + (
        f"_grow{args.gpt_grow_from}at{args.gpt_grow_at}" if grow else "") +
        f"_rep{args.gpt_repeat_prob:g}until{args.gpt_repeat_until}.pt")
    if args.reuse_trained and os.path.exists(ckpt):
        if grow:
            opt = grow_bottom(model, args.layers - args.gpt_grow_from, opt, args.gpt_lr, 0.1,
                              model.transformer.wpe.weight)
        c = torch.load(ckpt)
        model.load_state_dict(c["state"])
        hist, t0 = c["hist"], time.time() - c["wall"]
        log(f"reusing trained weights from {ckpt}")
    for step in range(len(hist), args.gpt_steps):
        if grow and step == args.gpt_grow_at:
            opt = grow_bottom(model, args.layers - args.gpt_grow_from, opt, args.gpt_lr, 0.1,
                              model.transformer.wpe.weight)
            log(f"step {step}: inserted {args.layers - args.gpt_grow_from} identity layer(s) at the bottom")
        lr = lr_at(step, args.gpt_steps, args.gpt_lr, args.warmup)
        for g in opt.param_groups:
            g["lr"] = lr
        x, y = gpt_batch(train_stream, starts, rng, args.batch, T,
                         args.gpt_repeat_prob if step < args.gpt_repeat_until else 0.0)
        logits = model(x)
        loss = F.cross_entropy(logits.view(-1, V), y.reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        hist.append(loss.item())
        if (step + 1) % args.log_every == 0 or step + 1 == args.gpt_steps:
            with torch.no_grad():
                model.eval()
                qp = []
                ql = F.cross_entropy(model(quick[:, :-1], qp).reshape(-1, V), quick[:, 1:].reshape(-1)).item()
                prev = torch.stack([torch.diagonal(p, offset=-1, dim1=-2, dim2=-1).mean(dim=(0, 2)) for p in qp])
                model.train()
            el = time.time() - t0
            best = max((prev[l, h].item(), l, h) for l in range(1, prev.shape[0]) for h in range(args.heads))
            log(f"gpt step {step + 1}/{args.gpt_steps} lr {lr:.2e} train {np.mean(hist[-args.log_every:]):.4f} "
                f"held(16) {ql:.4f} prev-token L{best[1]}H{best[2]} {best[0]:.3f} {el:.0f}s ({el / (step + 1):.3f}s/step)")
    wall = time.time() - t0
    torch.save({"state": model.state_dict(), "hist": hist, "wall": wall}, ckpt)
    uni = unigram_logprobs(train_stream, V)

    def short_metrics(m):
        """The card's figures on <s> + 128-token windows: losses and previous-token scores."""
        m.eval()
        with torch.no_grad():
            def mean_loss(win):
                tot, n = 0.0, 0
                for i in range(0, len(win), 32):
                    w = torch.from_numpy(win[i:i + 32])
                    l = F.cross_entropy(m(w[:, :-1]).reshape(-1, V), w[:, 1:].reshape(-1), reduction="sum")
                    tot += l.item()
                    n += w[:, 1:].numel()
                return tot / n
            erng = np.random.RandomState(seed + 7)
            tr_x, tr_y = gpt_batch(train_stream, starts, erng, min(len(held_win), 256), T)
            scores = np.zeros((args.layers, args.heads))
            nwin = min(len(held_win), 64)
            for i in range(0, nwin, 16):
                probs = []
                m(torch.from_numpy(held_win[i:min(i + 16, nwin), :-1]), probs)
                for l, p in enumerate(probs):
                    d = torch.diagonal(p, offset=-1, dim1=-2, dim2=-1)   # [B,H,T-1]: attn[t, t-1]
                    scores[l] += d.sum(dim=(0, 2)).numpy()
            return dict(held_loss=mean_loss(held_win),
                        train_loss=mean_loss(np.concatenate([tr_x.numpy(), tr_y.numpy()[:, -1:]], axis=1)),
                        scores=scores / (nwin * (T - 1)))

    stage1, long_stats, long_wall = None, None, 0.0
    if long_enabled(args, "gpt"):
        stage1 = first_stage_figures(model, short_metrics, "gpt")
        LT = args.long_ctx
        model.transformer.wpe = extend_positions(model.transformer.wpe, LT, args, "gpt")
        for blk in model.transformer.h:
            blk.attn.causal = torch.tril(torch.ones(LT, LT, dtype=torch.bool))
        cfg["n_positions"] = cfg["n_ctx"] = model.cfg["n_positions"] = LT
        long_starts = valid_starts(train_starts, len(train_stream), LT)
        long_win = heldout_windows(held_stream, LT + 1, BOS)        # BOS + LT tokens: LT predictions
        long_quick = torch.from_numpy(long_win[:2])

        def loss_of(b):
            return F.cross_entropy(model(b[0]).view(-1, V), b[1].reshape(-1))

        def progress():
            model.eval()
            with torch.no_grad():
                ql = F.cross_entropy(model(quick[:, :-1]).reshape(-1, V), quick[:, 1:].reshape(-1)).item()
                qp = []
                lg = model(long_quick[:, :-1], qp)
                ce = F.cross_entropy(lg.reshape(-1, V), long_quick[:, 1:].reshape(-1), reduction="none").view(2, LT)
                prev = torch.stack([torch.diagonal(p, offset=-1, dim1=-2, dim2=-1).mean(dim=(0, 2)) for p in qp])
            best = max((prev[l, h].item(), l, h) for l in range(1, prev.shape[0]) for h in range(args.heads))
            return (f"held(16x128) {ql:.4f} held(2x{LT}) <{T} {ce[:, :T].mean():.4f} >={T} {ce[:, T:].mean():.4f} "
                    f"prev-token(long) L{best[1]}H{best[2]} {best[0]:.3f}")

        long_wall = train_long(model, model.transformer.wpe.weight, "gpt", args, seed,
                               lambda r: gpt_batch(train_stream, starts, r, args.batch, T),
                               lambda r: gpt_batch(train_stream, long_starts, r, args.long_batch, LT),
                               loss_of, args.gpt_lr * args.long_lr_scale, args.gpt_lr * args.long_pos_lr_scale, 0.1, long_checkpoint(args, ckpt, "gpt"), progress)
    n_params = sum(p.numel() for p in model.parameters())
    model.eval()
    weights = export_fp16(model)      # module now holds the fp16-rounded weights
    out_dir = os.path.join(args.out, GPT_NAME)
    os.makedirs(out_dir, exist_ok=True)
    write_safetensors(os.path.join(out_dir, "model.safetensors"), weights)
    write_text(os.path.join(out_dir, "config.json"), json.dumps(cfg, indent=2, sort_keys=True) + "\n")

    # ---- evaluation on the fp16-rounded weights, float32 arithmetic
    final = short_metrics(model)
    train_loss, held_loss, scores = final["train_loss"], final["held_loss"], final["scores"]
    uni_loss = float(-uni[held_win[:, 1:]].mean())
    if long_enabled(args, "gpt"):
        long_stats = long_metrics(model, held_stream, T, args.long_ctx, V, args)
    log(f"gpt: train {train_loss:.4f} held {held_loss:.4f} unigram {uni_loss:.4f}")

    # ---- reference outputs
    sent_rng = np.random.RandomState(seed + 11)
    per_book = candidate_sentences(sp, held_books, 10, 23)
    sents = pick_sentences(per_book, 4, sent_rng)
    # The reference attention and predictions in float64 on the same weights: the exact values, which
    # float32 engines (HF eager, attnviz) each come within ~1e-5 of by their own rounding.
    exact = copy.deepcopy(model).double().eval()
    refs = []
    with torch.no_grad():
        for s in sents:
            ids = tokenization.encode_causal(sp, s)
            probs = []
            logits = exact(torch.tensor([ids]), probs)
            pr = torch.softmax(logits[0, -1], dim=-1)
            top = torch.topk(pr, 5)
            refs.append({
                "text": s,
                "input_ids": ids,
                "tokens": [sp.id_to_piece(i) for i in ids],
                "attentions": [[p[0, h].numpy().tolist() for h in range(args.heads)] for p in probs],
                "top5_next": {"position": len(ids) - 1,
                              "ids": top.indices.tolist(),
                              "tokens": [sp.id_to_piece(i) for i in top.indices.tolist()],
                              "probs": [float(v) for v in top.values]},
            })
        ev_rng = np.random.RandomState(seed + 13)
        ev_starts = valid_starts(held_starts, len(held_stream), args.eval_len)
        ev_x, ev_y = gpt_batch(held_stream, ev_starts, ev_rng, args.eval_seqs, args.eval_len - 1)
        ev_ids = torch.cat([ev_x, ev_y[:, -1:]], dim=1)          # [N, eval_len] = BOS + eval_len-1 tokens
        ev_loss = F.cross_entropy(model(ev_ids[:, :-1]).reshape(-1, V), ev_ids[:, 1:].reshape(-1)).item()
    ref = {
        "model": GPT_NAME,
        "architecture": "GPT2LMHeadModel",
        "weights": "model.safetensors (F16); sentences and long: reference computed in float64 on the F16 weights converted exactly; eval: float32",
        "float_format": "%.9g",
        "attention_layout": "attentions[layer][head][query][key], softmax probabilities (causal: key > query is 0)",
        "sentences": refs,
        "eval": {
            "description": ("input_ids[i] = <s> + 63 held-out tokens starting at a held-out paragraph start "
                            "(numpy RandomState(seed+13)); loss = mean next-token cross-entropy (natural log) "
                            "over all N*(L-1) positions: logits at positions 0..L-2 predict input_ids[:,1:]"),
            "num_seqs": args.eval_seqs, "seq_len": args.eval_len,
            "loss": ev_loss,
            "input_ids": ev_ids.numpy().tolist(),
        },
    }
    if long_enabled(args, "gpt"):
        ref["long"] = long_reference(exact, sp, held_stream, held_starts, T, args.long_ctx, seed)
    os.makedirs(args.tests_out, exist_ok=True)
    write_text(os.path.join(args.tests_out, GPT_NAME + ".json"), dump_json(ref) + "\n")
    stats = dict(n_params=n_params, wall=wall, train_loss=train_loss, held_loss=held_loss, uni_loss=uni_loss,
                 scores=scores, eval_loss=ev_loss, last_train=float(np.mean(hist[-200:])),
                 held_tokens=int(held_win[:, 1:].size), train_tokens=int(len(train_stream)),
                 stage1=stage1, long=long_stats, long_wall=long_wall)
    write_model_folder(args, out_dir, tok_path, "gpt", cfg, stats)
    return stats


def long_metrics(model, held_stream, T, LT, V, args):
    """Loss by query-position band and previous-token scores over the held-out text cut into
    <s> + LT-token windows (every window is a full-length input)."""
    win = heldout_windows(held_stream, LT + 1, BOS)
    ce_sum, cnt = np.zeros(LT), np.zeros(LT)
    scores = np.zeros((args.layers, args.heads))
    with torch.no_grad():
        for i in range(0, len(win), 4):
            w = torch.from_numpy(win[i:i + 4])
            probs = []
            lg = model(w[:, :-1], probs)
            ce = F.cross_entropy(lg.reshape(-1, V), w[:, 1:].reshape(-1), reduction="none").view(len(w), LT)
            ce_sum += ce.sum(dim=0).numpy()
            cnt += len(w)
            for l, p in enumerate(probs):
                scores[l] += torch.diagonal(p, offset=-1, dim1=-2, dim2=-1).sum(dim=(0, 2)).numpy()
    bands = position_bands(T, LT)
    return dict(windows=len(win), bands=bands, band_loss=band_means(ce_sum, cnt, bands),
                loss=float(ce_sum.sum() / cnt.sum()), scores=scores / (len(win) * (LT - 1)))


def long_reference(model, sp, held_stream, held_starts, T, LT, seed):
    """One full-length held-out input: <s> + LT-1 tokens from a held-out paragraph start (numpy
    RandomState(seed+31)); the attention rows of pick_queries and the top-5 at the last position."""
    rng = np.random.RandomState(seed + 31)
    st = valid_starts(held_starts, len(held_stream), LT - 1)
    s = int(st[rng.randint(0, len(st))])
    ids = [BOS] + [int(t) for t in held_stream[s:s + LT - 1]]
    queries = pick_queries(T, LT)
    with torch.no_grad():
        probs = []
        logits = model(torch.tensor([ids]), probs)
        top = torch.topk(torch.softmax(logits[0, -1], dim=-1), 5)
    return {
        "description": ("input_ids = <s> + %d held-out tokens from a held-out paragraph start (numpy "
                        "RandomState(seed+31)); attention_rows[layer][head][i][key] is the attention row of "
                        "query queries[i]" % (LT - 1)),
        "input_ids": ids,
        "queries": queries,
        "attention_rows": [[[p[0, h, q].numpy().tolist() for q in queries] for h in range(p.shape[1])]
                           for p in probs],
        "top5_next": {"position": LT - 1, "ids": top.indices.tolist(),
                      "tokens": [sp.id_to_piece(i) for i in top.indices.tolist()],
                      "probs": [float(v) for v in top.values]},
    }
