# SPDX-License-Identifier: GPL-3.0-or-later
"""The masked model's stage: training, F16 export, evaluation and reference outputs."""
import copy
import json
import os
import time

import numpy as np
import torch
import torch.nn.functional as F

import tokenization
from batches import bert_sequence, mask_tokens, unigram_logprobs, valid_starts
from bert_model import BertForMaskedLM
from export import dump_json, export_fp16, write_safetensors, write_text
from hf_folder import BERT_NAME, write_model_folder
from log import log
from long_context import (band_means, extend_positions, first_stage_figures, long_checkpoint, long_enabled, pick_queries,
                          position_bands, train_long)
from recipe import init_positions, lr_at, make_optimizer
from sentences import candidate_pairs, candidate_sentences, pick_sentences
from tokenization import CLS, MASK, PAD, SEP


def run_bert(args, sp, tok_path, data, held_books, seed):
    """Train, export and evaluate the masked model; write its folder and reference outputs.
    Arguments as run_gpt's. Returns the statistics of the card."""
    train_stream, train_starts, held_stream, held_starts = data
    V = sp.get_piece_size()
    T = args.ctx
    cfg = {
        "architectures": ["BertForMaskedLM"],
        "attention_probs_dropout_prob": 0.0,
        "classifier_dropout": None,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.0,
        "hidden_size": args.d_model,
        "initializer_range": 0.02,
        "intermediate_size": 4 * args.d_model,
        "layer_norm_eps": 1e-12,
        "max_position_embeddings": T,
        "model_type": "bert",
        "num_attention_heads": args.heads,
        "num_hidden_layers": args.layers,
        "pad_token_id": PAD,
        "position_embedding_type": "absolute",
        "tie_word_embeddings": True,
        "torch_dtype": "float16",
        "type_vocab_size": 2,
        "use_cache": True,
        "vocab_size": V,
    }
    torch.manual_seed(seed)
    rng = np.random.RandomState(seed)
    model = BertForMaskedLM(cfg)
    log(f"BERT: {sum(p.numel() for p in model.parameters())} parameters, {args.bert_steps} steps x {args.batch} x {T}")
    init_positions(model.bert.embeddings.position_embeddings.weight, args, "bert")
    opt = make_optimizer(model, args.bert_lr, 0.01, model.bert.embeddings.position_embeddings.weight)
    starts = valid_starts(train_starts, len(train_stream), T)

    def batch(stream, st, r, n, L):
        sel = st[r.randint(0, len(st), size=n)]
        pair = r.random_sample(n) < 0.5
        seqs = [bert_sequence(stream, s, L, r, bool(pr)) for s, pr in zip(sel, pair)]
        ids = np.stack([a for a, _ in seqs])
        tt = np.stack([b for _, b in seqs])
        mids, labels = mask_tokens(ids, r, V)
        return ids, mids, tt, labels

    def mlm_loss(mids, tt, labels, reduction="mean"):
        h = model.bert(torch.from_numpy(mids), torch.from_numpy(tt))
        lab = torch.from_numpy(labels)
        sel = lab != -100
        return F.cross_entropy(model.mlm_logits(h[sel]), lab[sel], reduction=reduction), int(sel.sum())

    hrng = np.random.RandomState(seed + 5)
    hstarts = valid_starts(held_starts, len(held_stream), T)
    _, q_mids, q_tt, q_lab = batch(held_stream, hstarts, hrng, 16, T)
    t0 = time.time()
    hist = []
    model.train()
    ckpt = os.path.join(args.work, f"bert_trained_{args.bert_steps}.pt")
    if args.reuse_trained and os.path.exists(ckpt):
        c = torch.load(ckpt)
        model.load_state_dict(c["state"])
        hist, t0 = c["hist"], time.time() - c["wall"]
        log(f"reusing trained weights from {ckpt}")
    for step in range(len(hist), args.bert_steps):
        lr = lr_at(step, args.bert_steps, args.bert_lr, args.warmup)
        for g in opt.param_groups:
            g["lr"] = lr
        _, mids, tt, labels = batch(train_stream, starts, rng, args.batch, T)
        loss, _ = mlm_loss(mids, tt, labels)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        hist.append(loss.item())
        if (step + 1) % args.log_every == 0 or step + 1 == args.bert_steps:
            with torch.no_grad():
                model.eval()
                ql = mlm_loss(q_mids, q_tt, q_lab)[0].item()
                model.train()
            el = time.time() - t0
            log(f"bert step {step + 1}/{args.bert_steps} lr {lr:.2e} train {np.mean(hist[-args.log_every:]):.4f} "
                f"held(16) {ql:.4f} {el:.0f}s ({el / (step + 1):.3f}s/step)")
    wall = time.time() - t0
    torch.save({"state": model.state_dict(), "hist": hist, "wall": wall}, ckpt)
    uni = unigram_logprobs(train_stream, V)
    n_held = min(len(hstarts), 512)

    def short_metrics(m):
        """The card's figures on 128-token sequences: masked-token losses, previous/next-token scores."""
        m.eval()
        with torch.no_grad():
            def eval_set(stream, st, r, n):
                tot, cnt, utot, ids_all, tt_all = 0.0, 0, 0.0, [], []
                for i in range(0, n, 32):
                    ids, mids, tt, lab = batch(stream, st, r, min(32, n - i), T)
                    h = m.bert(torch.from_numpy(mids), torch.from_numpy(tt))
                    lt = torch.from_numpy(lab)
                    sel = lt != -100
                    tot += F.cross_entropy(m.mlm_logits(h[sel]), lt[sel], reduction="sum").item()
                    cnt += int(sel.sum())
                    utot += float(-uni[lab[lab != -100]].sum())
                    ids_all.append(mids)
                    tt_all.append(tt)
                return tot / cnt, utot / cnt, cnt, np.concatenate(ids_all), np.concatenate(tt_all)
            held_loss, uni_loss, held_cnt, h_ids, h_tt = eval_set(held_stream, hstarts,
                                                                  np.random.RandomState(seed + 17), n_held)
            train_loss = eval_set(train_stream, starts, np.random.RandomState(seed + 19), 256)[0]
            # previous/next-token scores on 64 held-out sequences (masked inputs, as in evaluation)
            prev = np.zeros((args.layers, args.heads))
            nxt = np.zeros((args.layers, args.heads))
            nwin = min(64, len(h_ids))
            for i in range(0, nwin, 16):
                probs = []
                m.bert(torch.from_numpy(h_ids[i:i + 16]), torch.from_numpy(h_tt[i:i + 16]), probs)
                for l, p in enumerate(probs):
                    prev[l] += torch.diagonal(p, offset=-1, dim1=-2, dim2=-1).sum(dim=(0, 2)).numpy()
                    nxt[l] += torch.diagonal(p, offset=1, dim1=-2, dim2=-1).sum(dim=(0, 2)).numpy()
        return dict(held_loss=held_loss, uni_loss=uni_loss, held_cnt=held_cnt, train_loss=train_loss,
                    scores=prev / (nwin * (T - 1)), next_scores=nxt / (nwin * (T - 1)))

    stage1, long_stats, long_wall = None, None, 0.0
    if long_enabled(args, "bert"):
        stage1 = first_stage_figures(model, short_metrics, "bert")
        LT = args.long_ctx
        emb = model.bert.embeddings
        emb.position_embeddings = extend_positions(emb.position_embeddings, LT, args, "bert")
        cfg["max_position_embeddings"] = LT
        long_starts = valid_starts(train_starts, len(train_stream), LT)
        lq_starts = valid_starts(held_starts, len(held_stream), LT)
        _, lq_mids, lq_tt, lq_lab = batch(held_stream, lq_starts, np.random.RandomState(seed + 43), 2, LT)

        def loss_of(b):
            return mlm_loss(b[1], b[2], b[3])[0]

        def progress():
            model.eval()
            with torch.no_grad():
                ql = mlm_loss(q_mids, q_tt, q_lab)[0].item()
                ll = mlm_loss(lq_mids, lq_tt, lq_lab)[0].item()
            return f"held(16x{T}) {ql:.4f} held(2x{LT}) {ll:.4f}"

        long_wall = train_long(model, emb.position_embeddings.weight, "bert", args, seed,
                               lambda r: batch(train_stream, starts, r, args.batch, T),
                               lambda r: batch(train_stream, long_starts, r, args.long_batch, LT),
                               loss_of, args.bert_lr * args.long_lr_scale, args.bert_lr * args.long_pos_lr_scale, 0.01, long_checkpoint(args, ckpt, "bert"),
                               progress)
    n_params = sum(p.numel() for p in model.parameters())
    model.eval()
    weights = export_fp16(model)
    out_dir = os.path.join(args.out, BERT_NAME)
    os.makedirs(out_dir, exist_ok=True)
    write_safetensors(os.path.join(out_dir, "model.safetensors"), weights)
    write_text(os.path.join(out_dir, "config.json"), json.dumps(cfg, indent=2, sort_keys=True) + "\n")

    final = short_metrics(model)
    held_loss, uni_loss, held_cnt = final["held_loss"], final["uni_loss"], final["held_cnt"]
    train_loss, prev, nxt = final["train_loss"], final["scores"], final["next_scores"]
    if long_enabled(args, "bert"):
        long_stats = long_metrics(model, batch, held_stream, lq_starts, T, LT, args, seed)
    log(f"bert: train {train_loss:.4f} held {held_loss:.4f} unigram {uni_loss:.4f}")

    # ---- reference outputs
    sent_rng = np.random.RandomState(seed + 23)
    per_book = candidate_sentences(sp, held_books, 8, 20)
    sents = pick_sentences(per_book, 2, sent_rng)
    pairs = candidate_pairs(sp, held_books, 24)
    pair = pairs[sent_rng.randint(0, len(pairs))]
    items = []
    # sentence 0: one word replaced by [MASK] (the middle-most word that is a single piece)
    words = sents[0].rstrip(".!?").split(" ")
    order = sorted(range(1, len(words)), key=lambda i: (abs(i - len(words) / 2), i))
    mi = next((i for i in order if words[i].isalpha() and len(sp.encode(words[i])) == 1), order[0])
    masked_word = words[mi]
    masked_text = " ".join(words[:mi] + ["[MASK]"] + words[mi + 1:]) + sents[0][len(sents[0].rstrip(".!?")):]
    items.append({"text": masked_text, "masked_word": masked_word})
    items.append({"text": sents[1]})
    items.append({"text": pair[0], "text_pair": pair[1]})
    # The reference attention and predictions in float64 on the same weights: the exact values, which
    # float32 engines (HF eager, attnviz) each come within ~1e-5 of by their own rounding.
    exact = copy.deepcopy(model).double().eval()
    refs = []
    with torch.no_grad():
        for it in items:
            ids, tt = tokenization.encode_masked(sp, it["text"], it.get("text_pair"))
            probs = []
            logits = exact(torch.tensor([ids]), torch.tensor([tt]), probs)
            r = dict(it)
            r.update({"input_ids": ids, "token_type_ids": tt, "tokens": [sp.id_to_piece(i) for i in ids],
                      "attentions": [[p[0, h].numpy().tolist() for h in range(args.heads)] for p in probs]})
            mpos = [i for i, t in enumerate(ids) if t == MASK]
            if mpos:
                tops = []
                for mp in mpos:
                    pr = torch.softmax(logits[0, mp], dim=-1)
                    top = torch.topk(pr, 5)
                    tops.append({"position": mp, "ids": top.indices.tolist(),
                                 "tokens": [sp.id_to_piece(i) for i in top.indices.tolist()],
                                 "probs": [float(v) for v in top.values]})
                r["top5_mask"] = tops
            refs.append(r)
        ev_rng = np.random.RandomState(seed + 29)
        ev_starts = valid_starts(held_starts, len(held_stream), args.eval_len)
        sel = ev_starts[ev_rng.randint(0, len(ev_starts), size=args.eval_seqs)]
        ev_orig = np.stack([bert_sequence(held_stream, s, args.eval_len, ev_rng, False)[0] for s in sel])
        ev_tt = np.zeros_like(ev_orig)
        ev_mids, ev_lab = mask_tokens(ev_orig, ev_rng, V)
        h = model.bert(torch.from_numpy(ev_mids), torch.from_numpy(ev_tt))
        lab = torch.from_numpy(ev_lab)
        ev_loss = F.cross_entropy(model.mlm_logits(h[lab != -100]), lab[lab != -100]).item()
    ref = {
        "model": BERT_NAME,
        "architecture": "BertForMaskedLM",
        "weights": "model.safetensors (F16); sentences and long: reference computed in float64 on the F16 weights converted exactly; eval: float32",
        "float_format": "%.9g",
        "attention_layout": "attentions[layer][head][query][key], softmax probabilities; no padding, attention_mask all ones",
        "sentences": refs,
        "eval": {
            "description": ("original_ids[i] = [CLS] + 62 held-out tokens starting at a held-out paragraph start + [SEP] "
                            "(token_type_ids all 0). Masking (numpy RandomState(seed+29), after drawing the starts): "
                            "each non-special position selected with p=0.15 (at least one per row), selected -> 80% [MASK], "
                            "10% random id in [7, vocab), 10% unchanged. input_ids = masked ids fed to the model; "
                            "labels = original id at selected positions, -100 elsewhere. loss = mean cross-entropy "
                            "(natural log) of the MLM head over all positions with label != -100."),
            "num_seqs": args.eval_seqs, "seq_len": args.eval_len,
            "num_labels": int((ev_lab != -100).sum()),
            "loss": ev_loss,
            "input_ids": ev_mids.tolist(),
            "labels": ev_lab.tolist(),
        },
    }
    if long_enabled(args, "bert"):
        ref["long"] = long_reference(exact, sp, held_stream, held_starts, T, LT, seed)
    os.makedirs(args.tests_out, exist_ok=True)
    write_text(os.path.join(args.tests_out, BERT_NAME + ".json"), dump_json(ref) + "\n")
    stats = dict(n_params=n_params, wall=wall, train_loss=train_loss, held_loss=held_loss, uni_loss=uni_loss,
                 scores=prev, next_scores=nxt, eval_loss=ev_loss, last_train=float(np.mean(hist[-200:])),
                 held_tokens=held_cnt, held_seqs=n_held, train_tokens=int(len(train_stream)),
                 stage1=stage1, long=long_stats, long_wall=long_wall)
    write_model_folder(args, out_dir, tok_path, "bert", cfg, stats)
    return stats


def long_metrics(model, batch, held_stream, starts, T, LT, args, seed):
    """Masked-token loss by position band and previous/next-token scores over 64 held-out sequences of
    LT tokens (built and masked as in training, numpy RandomState(seed+41))."""
    n = 64
    _, mids, tt, lab = batch(held_stream, starts, np.random.RandomState(seed + 41), n, LT)
    ce_sum, cnt = np.zeros(LT), np.zeros(LT)
    prev, nxt = np.zeros((args.layers, args.heads)), np.zeros((args.layers, args.heads))
    with torch.no_grad():
        for i in range(0, n, 4):
            probs = []
            h = model.bert(torch.from_numpy(mids[i:i + 4]), torch.from_numpy(tt[i:i + 4]), probs)
            lt = torch.from_numpy(lab[i:i + 4])
            sel = lt != -100
            ce = F.cross_entropy(model.mlm_logits(h[sel]), lt[sel], reduction="none").numpy()
            pos = np.nonzero(sel.numpy())[1]
            np.add.at(ce_sum, pos, ce)
            np.add.at(cnt, pos, 1)
            for l, p in enumerate(probs):
                prev[l] += torch.diagonal(p, offset=-1, dim1=-2, dim2=-1).sum(dim=(0, 2)).numpy()
                nxt[l] += torch.diagonal(p, offset=1, dim1=-2, dim2=-1).sum(dim=(0, 2)).numpy()
    bands = position_bands(T, LT)
    return dict(seqs=n, labels=int(cnt.sum()), bands=bands, band_loss=band_means(ce_sum, cnt, bands),
                loss=float(ce_sum.sum() / cnt.sum()), scores=prev / (n * (LT - 1)), next_scores=nxt / (n * (LT - 1)))


def long_reference(model, sp, held_stream, held_starts, T, LT, seed):
    """One full-length held-out input: [CLS] + LT-2 tokens from a held-out paragraph start (numpy
    RandomState(seed+31)) + [SEP], with [MASK] at positions T, LT/2 and LT-T; the attention rows of
    pick_queries and the top-5 at each [MASK]."""
    rng = np.random.RandomState(seed + 31)
    st = valid_starts(held_starts, len(held_stream), LT - 2)
    s = int(st[rng.randint(0, len(st))])
    original = [CLS] + [int(t) for t in held_stream[s:s + LT - 2]] + [SEP]
    mpos = [T, LT // 2, LT - T]
    ids = list(original)
    for p in mpos:
        ids[p] = MASK
    tt = [0] * LT
    queries = pick_queries(T, LT)
    with torch.no_grad():
        probs = []
        logits = model(torch.tensor([ids]), torch.tensor([tt]), probs)
    tops = []
    for p in mpos:
        top = torch.topk(torch.softmax(logits[0, p], dim=-1), 5)
        tops.append({"position": p, "ids": top.indices.tolist(),
                     "tokens": [sp.id_to_piece(i) for i in top.indices.tolist()],
                     "probs": [float(v) for v in top.values]})
    return {
        "description": ("input_ids = [CLS] + %d held-out tokens from a held-out paragraph start (numpy "
                        "RandomState(seed+31)) + [SEP], with [MASK] at %s (masked_ids: the tokens replaced); "
                        "token_type_ids all 0; attention_rows[layer][head][i][key] is the attention row of "
                        "query queries[i]" % (LT - 2, mpos)),
        "input_ids": ids,
        "token_type_ids": tt,
        "masked_ids": [original[p] for p in mpos],
        "queries": queries,
        "attention_rows": [[[p[0, h, q].numpy().tolist() for q in queries] for h in range(p.shape[1])]
                           for p in probs],
        "top5_mask": tops,
    }
