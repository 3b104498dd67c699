#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Short pilot runs for tuning the recipe of train.py (not needed to reproduce the models).

Reuses train.py's modules (model classes, batching and masking) and the committed tokenizer, and trains
one model for a few hundred steps with one variation of the recipe, logging every --eval-every
steps: held-out loss on a fixed sample, the previous-token score of every head (mean attention
from t to t-1), and for BERT also next-token score, mean attention entropy per head and the
attention mass on [SEP]/[CLS]. One JSON line per evaluation goes to --jsonl.

Example: /usr/bin/python3 tools/train/pilot.py gpt --steps 2500 --batch 8 --lr 3e-3 --d-model 128 --pos-init sin
    --pos-scale 2 --no-wpe-decay --tag gpt-sin
"""
import argparse
import json
import math
import os
import sys
import time

import numpy as np
import sentencepiece as spm
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from batches import bert_sequence, gpt_batch, heldout_windows, mask_tokens, valid_starts  # noqa: E402
from bert_model import BertForMaskedLM  # noqa: E402
from corpus import DEFAULT_CORPUS, check_corpus, encode_books, read_corpus, split_heldout  # noqa: E402
from gpt2_model import GPT2LMHeadModel  # noqa: E402
from recipe import grow_bottom, lr_at, make_optimizer  # noqa: E402
from tokenization import BOS, CLS, SEP  # noqa: E402


def load_data(args):
    cache = os.path.join(args.work, "pilot_data.npz")
    if os.path.exists(cache):
        z = np.load(cache)
        return z["ts"], z["tst"], z["hs"], z["hst"]
    corpus_error = check_corpus(args.corpus)
    if corpus_error:
        sys.exit(corpus_error)
    books = read_corpus(args.corpus)
    tr, he = split_heldout(books, 0.01)
    sp = spm.SentencePieceProcessor(model_file=args.tokenizer)
    ts, tst = encode_books(sp, tr)
    hs, hst = encode_books(sp, he)
    os.makedirs(args.work, exist_ok=True)
    np.savez(cache, ts=ts, tst=tst, hs=hs, hst=hst)
    return ts, tst, hs, hst


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("kind", choices=["gpt", "bert"])
    ap.add_argument("--tag", required=True)
    ap.add_argument("--corpus", default=DEFAULT_CORPUS)
    ap.add_argument("--tokenizer", default="resources/models/attnviz-gpt2-gutenberg/tokenizer.model")
    ap.add_argument("--work", default="/tmp/attnviz-pilot")
    ap.add_argument("--jsonl", default="/tmp/attnviz-pilot/pilots.jsonl")
    ap.add_argument("--seed", type=int, default=20240601)
    ap.add_argument("--steps", type=int, default=600)
    ap.add_argument("--sched-steps", type=int, default=0, help="cosine schedule length (default: --steps)")
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--seq", type=int, default=128, help="training sequence length (positions stay 128)")
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--warmup", type=int, default=300)
    ap.add_argument("--wd", type=float, default=0.1)
    ap.add_argument("--beta2", type=float, default=0.95)
    ap.add_argument("--pos-init", default="normal", choices=["normal", "sin"])
    ap.add_argument("--pos-scale", type=float, default=1.0, help="sinusoid RMS / 0.02")
    ap.add_argument("--pos-base", type=float, default=10000.0)
    ap.add_argument("--attn-std", type=float, default=0.0, help="init std of the q/k/v weights (0: HF 0.02)")
    ap.add_argument("--mat-std", type=float, default=0.0, help="init std of all other block matrices (0: HF)")
    ap.add_argument("--mask-prob", type=float, default=0.15)
    ap.add_argument("--pair-prob", type=float, default=0.5)
    ap.add_argument("--eval-every", type=int, default=100)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--d-model", type=int, default=192)
    ap.add_argument("--no-wpe-decay", action="store_true", help="no weight decay on the position table")
    ap.add_argument("--repeat-prob", type=float, default=0.0, help="share of self-repeating rows (gpt_batch)")
    ap.add_argument("--repeat-from", type=int, default=0, help="first step with --repeat-prob (natural text before)")
    ap.add_argument("--repeat-until", type=int, default=0, help="first step without --repeat-prob again (0: never)")
    ap.add_argument("--start-layers", type=int, default=0,
                    help="gpt: train this many layers until --grow-at, then insert the rest at the bottom as "
                         "identity blocks (zero output projections); 0: all 4 from the start")
    ap.add_argument("--grow-at", type=int, default=0)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    ts, tst, hs, hst = load_data(args)
    V, P, D, L, H = 4096, 128, args.d_model, 4, 4
    torch.manual_seed(args.seed)
    rng = np.random.RandomState(args.seed)
    if args.kind == "gpt":
        cfg = {"vocab_size": V, "n_embd": D, "n_positions": P, "n_head": H, "n_layer": args.start_layers or L,
               "layer_norm_epsilon": 1e-5, "initializer_range": 0.02}
        model = GPT2LMHeadModel(cfg)
        wpe = model.transformer.wpe.weight
    else:
        cfg = {"vocab_size": V, "hidden_size": D, "max_position_embeddings": P, "num_attention_heads": H,
               "num_hidden_layers": L, "layer_norm_eps": 1e-12, "initializer_range": 0.02,
               "intermediate_size": 4 * D, "type_vocab_size": 2, "pad_token_id": 3}
        model = BertForMaskedLM(cfg)
        wpe = model.bert.embeddings.position_embeddings.weight
    if args.pos_init == "sin":
        pos = np.arange(P)[:, None]
        i = np.arange(D // 2)[None]
        ang = pos / args.pos_base ** (2 * i / D)
        pe = np.zeros((P, D))
        pe[:, 0::2], pe[:, 1::2] = np.sin(ang), np.cos(ang)
        with torch.no_grad():
            wpe.copy_(torch.from_numpy(pe * 0.02 * args.pos_scale).float())
    with torch.no_grad():
        for n, p in model.named_parameters():
            if p.dim() != 2 or "embeddings" in n or n.endswith(("wte.weight", "wpe.weight")):
                continue
            qkv = any(k in n for k in ("c_attn", "self.query", "self.key", "self.value"))
            if qkv and args.attn_std:
                p.normal_(0.0, args.attn_std)
            elif not qkv and args.mat_std:
                p.normal_(0.0, args.mat_std / (math.sqrt(2 * L) if n.endswith("c_proj.weight") else 1.0))
    opt = make_optimizer(model, args.lr, args.wd, wpe if args.no_wpe_decay else None)
    for g in opt.param_groups:
        g["betas"] = (0.9, args.beta2)
    S = args.seq
    sched = args.sched_steps or args.steps

    # fixed held-out evaluation sample: 32 windows of 128 positions
    erng = np.random.RandomState(args.seed + 99)
    if args.kind == "gpt":
        hw = heldout_windows(hs, P + 1, BOS)
        ev = torch.from_numpy(hw[erng.choice(len(hw), 32, replace=False)])
    else:
        hstarts = valid_starts(hst, len(hs), P)
        sel = hstarts[erng.randint(0, len(hstarts), size=32)]
        orig = np.stack([bert_sequence(hs, s, P, erng, False)[0] for s in sel])
        ev_ids, ev_lab = mask_tokens(orig, erng, V)
        ev_ids, ev_lab = torch.from_numpy(ev_ids), torch.from_numpy(ev_lab)
        ev_tt = torch.zeros_like(ev_ids)
    starts = valid_starts(tst, len(ts), max(S, P))

    def bert_batch(n, L_):
        sel = starts[rng.randint(0, len(starts), size=n)]
        pair = rng.random_sample(n) < args.pair_prob
        seqs = [bert_sequence(ts, s, L_, rng, bool(p)) for s, p in zip(sel, pair)]
        ids = np.stack([a for a, _ in seqs])
        tt = np.stack([b for _, b in seqs])
        mids, lab = mask_tokens(ids, rng, V, args.mask_prob)
        return torch.from_numpy(mids), torch.from_numpy(tt), torch.from_numpy(lab)

    def evaluate(step, train_loss, el):
        model.eval()
        with torch.no_grad():
            probs = []
            if args.kind == "gpt":
                logits = model(ev[:, :-1], probs)
                loss = F.cross_entropy(logits.reshape(-1, V), ev[:, 1:].reshape(-1)).item()
            else:
                h = model.bert(ev_ids, ev_tt, probs)
                sel = ev_lab != -100
                loss = F.cross_entropy(model.mlm_logits(h[sel]), ev_lab[sel]).item()
            A = torch.stack(probs)       # [L,B,H,T,T]
            prev = torch.diagonal(A, offset=-1, dim1=-2, dim2=-1).mean(dim=(1, 3)).numpy()
            rec = {"tag": args.tag, "kind": args.kind, "step": step, "train": train_loss, "held": loss,
                   "sec": round(el, 1), "prev": np.round(prev, 3).tolist()}
            ent = -(A * torch.log(A.clamp_min(1e-30))).sum(-1)     # [L,B,H,T]
            if args.kind == "bert":
                rec["next"] = np.round(torch.diagonal(A, offset=1, dim1=-2, dim2=-1).mean(dim=(1, 3)).numpy(), 3).tolist()
                rec["ent"] = np.round(ent.mean(dim=(1, 3)).numpy(), 2).tolist()
                isep = (ev_ids == SEP)[None, :, None, None, :].float()
                icls = (ev_ids == CLS)[None, :, None, None, :].float()
                rec["sep"] = np.round((A * isep).sum(-1).mean(dim=(1, 3)).numpy(), 3).tolist()
                rec["cls"] = np.round((A * icls).sum(-1).mean(dim=(1, 3)).numpy(), 3).tolist()
            else:
                rec["ent"] = np.round(ent[..., 1:].mean(dim=(1, 3)).numpy(), 2).tolist()
                rec["bos"] = np.round(A[..., 1:, 0].mean(dim=(1, 3)).numpy(), 3).tolist()
        model.train()
        pm = np.array(prev)
        best = max(((pm[l, h], l, h) for l in range(1, pm.shape[0]) for h in range(H)))
        print(f"{args.tag} step {step} train {train_loss:.3f} held {loss:.3f} best prev L>=1 "
              f"{best[0]:.3f} (L{best[1]}H{best[2]}) max prev L0 {pm[0].max():.3f} {el:.0f}s", flush=True)
        with open(args.jsonl, "a") as fh:
            fh.write(json.dumps(rec) + "\n")

    t0 = time.time()
    hist = []
    model.train()
    for step in range(args.steps):
        if args.start_layers and step == args.grow_at:
            opt = grow_bottom(model, L - args.start_layers, opt, args.lr, args.wd,
                                wpe if args.no_wpe_decay else None)
            for g in opt.param_groups:
                g["betas"] = (0.9, args.beta2)
        lr = lr_at(step, sched, args.lr, args.warmup)
        for g in opt.param_groups:
            g["lr"] = lr
        if args.kind == "gpt":
            rep = step >= args.repeat_from and not (args.repeat_until and step >= args.repeat_until)
            x, y = gpt_batch(ts, starts, rng, args.batch, S, args.repeat_prob if rep else 0.0)
            loss = F.cross_entropy(model(x).view(-1, V), y.reshape(-1))
        else:
            mids, tt, lab = bert_batch(args.batch, S)
            h = model.bert(mids, tt)
            sel = lab != -100
            loss = F.cross_entropy(model.mlm_logits(h[sel]), lab[sel])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        hist.append(loss.item())
        if (step + 1) % args.eval_every == 0:
            evaluate(step + 1, float(np.mean(hist[-args.eval_every:])), time.time() - t0)


if __name__ == "__main__":
    main()
