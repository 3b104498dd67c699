#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Independent check of the default models written by train.py.

Uses only numpy, json, struct (and sentencepiece for the tokenizer check); shares no code
with train.py. For each model folder it
  * parses model.safetensors by hand (u64 LE header length, JSON header, F16 data) and checks
    the layout rules (sorted, contiguous, header padded with spaces to 8, __metadata__) and the
    tensor names/shapes expected from config.json for HF GPT2LMHeadModel / BertForMaskedLM;
  * runs a plain-numpy forward pass in float64 (the reference is float32 arithmetic: its own
    rounding is then all that differs) written straight from the HF formulas and compares
    attention of every layer/head (max abs diff <= 1e-5), the top-5 predictions (ids equal,
    probabilities within 1e-5) and the evaluation-sample loss (relative diff <= 1%) against the
    reference JSON written by train.py;
  * re-tokenizes the reference texts from the rules in tools/train/README.md and compares ids.
Exit status 0 when everything matches.
"""
import argparse
import json
import math
import os
import struct
import sys

import numpy as np

ATOL_ATTN = 1e-5
RTOL_LOSS = 0.01


# ---------------------------------------------------------------------------- safetensors

def read_safetensors(path):
    with open(path, "rb") as fh:
        raw = fh.read()
    (n,) = struct.unpack("<Q", raw[:8])
    assert n % 8 == 0, "header length not a multiple of 8"
    htxt = raw[8:8 + n].decode("utf-8")
    assert htxt == htxt.rstrip(" ") + " " * (len(htxt) - len(htxt.rstrip(" "))), "padding must be spaces"
    header = json.loads(htxt)
    assert header.pop("__metadata__") == {"format": "pt"}
    names = list(header.keys())
    assert names == sorted(names), "tensors not sorted by name"
    data = raw[8 + n:]
    off, out = 0, {}
    for name in names:
        h = header[name]
        assert h["dtype"] == "F16", (name, h["dtype"])
        b, e = h["data_offsets"]
        assert b == off, f"{name}: not contiguous"
        count = int(np.prod(h["shape"])) if h["shape"] else 1
        assert e - b == 2 * count, f"{name}: size mismatch"
        out[name] = np.frombuffer(data[b:e], dtype="<f2").reshape(h["shape"]).astype(np.float64)
        off = e
    assert off == len(data), "trailing bytes after last tensor"
    return out


def expected_shapes(cfg):
    V = cfg["vocab_size"]
    if cfg["model_type"] == "gpt2":
        d, L, P = cfg["n_embd"], cfg["n_layer"], cfg["n_positions"]
        inner = cfg["n_inner"] or 4 * d
        s = {"transformer.wte.weight": [V, d], "transformer.wpe.weight": [P, d],
             "transformer.ln_f.weight": [d], "transformer.ln_f.bias": [d]}
        for i in range(L):
            p = f"transformer.h.{i}."
            s.update({p + "ln_1.weight": [d], p + "ln_1.bias": [d], p + "ln_2.weight": [d], p + "ln_2.bias": [d],
                      p + "attn.c_attn.weight": [d, 3 * d], p + "attn.c_attn.bias": [3 * d],
                      p + "attn.c_proj.weight": [d, d], p + "attn.c_proj.bias": [d],
                      p + "mlp.c_fc.weight": [d, inner], p + "mlp.c_fc.bias": [inner],
                      p + "mlp.c_proj.weight": [inner, d], p + "mlp.c_proj.bias": [d]})
        return s
    d, L, I = cfg["hidden_size"], cfg["num_hidden_layers"], cfg["intermediate_size"]
    s = {"bert.embeddings.word_embeddings.weight": [V, d],
         "bert.embeddings.position_embeddings.weight": [cfg["max_position_embeddings"], d],
         "bert.embeddings.token_type_embeddings.weight": [cfg["type_vocab_size"], d],
         "bert.embeddings.LayerNorm.weight": [d], "bert.embeddings.LayerNorm.bias": [d],
         "cls.predictions.transform.dense.weight": [d, d], "cls.predictions.transform.dense.bias": [d],
         "cls.predictions.transform.LayerNorm.weight": [d], "cls.predictions.transform.LayerNorm.bias": [d],
         "cls.predictions.bias": [V]}
    for i in range(L):
        p = f"bert.encoder.layer.{i}."
        for m in ("attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense"):
            s[p + m + ".weight"] = [d, d]
            s[p + m + ".bias"] = [d]
        s[p + "intermediate.dense.weight"] = [I, d]
        s[p + "intermediate.dense.bias"] = [I]
        s[p + "output.dense.weight"] = [d, I]
        s[p + "output.dense.bias"] = [d]
        for m in ("attention.output.LayerNorm", "output.LayerNorm"):
            s[p + m + ".weight"] = [d]
            s[p + m + ".bias"] = [d]
    return s


# ---------------------------------------------------------------------------- numpy forward passes

def layer_norm(x, g, b, eps):
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return ((x - mu) / np.sqrt(var + np.float32(eps))) * g + b


def softmax(x):
    m = x.max(-1, keepdims=True)
    e = np.exp(x - m)
    return e / e.sum(-1, keepdims=True)


_erf = np.vectorize(math.erf, otypes=[np.float64])


def gelu_erf(x):
    return (0.5 * x * (1.0 + _erf(x.astype(np.float64) / math.sqrt(2.0)))).astype(x.dtype)


def gelu_tanh(x):
    return np.float32(0.5) * x * (np.float32(1.0) + np.tanh(np.float32(math.sqrt(2.0 / math.pi)) *
                                                            (x + np.float32(0.044715) * x ** 3)))


def heads(x, H):
    B, T, C = x.shape
    return x.reshape(B, T, H, C // H).transpose(0, 2, 1, 3)


def gpt2_forward(W, cfg, ids):
    """ids [B,T] -> logits [B,T,V], attentions list of [B,H,T,T]. HF GPT2LMHeadModel formulas."""
    ids = np.asarray(ids)
    B, T = ids.shape
    H, eps = cfg["n_head"], cfg["layer_norm_epsilon"]
    x = W["transformer.wte.weight"][ids] + W["transformer.wpe.weight"][np.arange(T)][None]
    mask = np.tril(np.ones((T, T), dtype=bool))
    atts = []
    for i in range(cfg["n_layer"]):
        p = f"transformer.h.{i}."
        a = layer_norm(x, W[p + "ln_1.weight"], W[p + "ln_1.bias"], eps)
        qkv = a @ W[p + "attn.c_attn.weight"] + W[p + "attn.c_attn.bias"]      # Conv1D: x @ W(in,out) + b
        C = x.shape[-1]
        q, k, v = heads(qkv[..., :C], H), heads(qkv[..., C:2 * C], H), heads(qkv[..., 2 * C:], H)
        s = (q @ k.transpose(0, 1, 3, 2)) / np.float32(math.sqrt(C // H))
        s = np.where(mask, s, np.finfo(np.float32).min)
        pr = softmax(s)
        atts.append(pr)
        o = (pr @ v).transpose(0, 2, 1, 3).reshape(B, T, C)
        x = x + (o @ W[p + "attn.c_proj.weight"] + W[p + "attn.c_proj.bias"])
        m = layer_norm(x, W[p + "ln_2.weight"], W[p + "ln_2.bias"], eps)
        m = gelu_tanh(m @ W[p + "mlp.c_fc.weight"] + W[p + "mlp.c_fc.bias"])
        x = x + (m @ W[p + "mlp.c_proj.weight"] + W[p + "mlp.c_proj.bias"])
    x = layer_norm(x, W["transformer.ln_f.weight"], W["transformer.ln_f.bias"], eps)
    return x @ W["transformer.wte.weight"].T, atts


def lin(x, W, name):
    return x @ W[name + ".weight"].T + W[name + ".bias"]       # nn.Linear: weight (out, in)


def bert_forward(W, cfg, ids, tt):
    """ids, tt [B,T] -> MLM logits [B,T,V], attentions. HF BertForMaskedLM formulas."""
    ids, tt = np.asarray(ids), np.asarray(tt)
    B, T = ids.shape
    H, eps = cfg["num_attention_heads"], cfg["layer_norm_eps"]
    e = "bert.embeddings."
    x = W[e + "word_embeddings.weight"][ids] + W[e + "token_type_embeddings.weight"][tt]
    x = x + W[e + "position_embeddings.weight"][np.arange(T)][None]
    x = layer_norm(x, W[e + "LayerNorm.weight"], W[e + "LayerNorm.bias"], eps)
    atts = []
    for i in range(cfg["num_hidden_layers"]):
        p = f"bert.encoder.layer.{i}."
        C = x.shape[-1]
        q = heads(lin(x, W, p + "attention.self.query"), H)
        k = heads(lin(x, W, p + "attention.self.key"), H)
        v = heads(lin(x, W, p + "attention.self.value"), H)
        pr = softmax((q @ k.transpose(0, 1, 3, 2)) / np.float32(math.sqrt(C // H)))
        atts.append(pr)
        o = (pr @ v).transpose(0, 2, 1, 3).reshape(B, T, C)
        a = layer_norm(lin(o, W, p + "attention.output.dense") + x,
                       W[p + "attention.output.LayerNorm.weight"], W[p + "attention.output.LayerNorm.bias"], eps)
        m = gelu_erf(lin(a, W, p + "intermediate.dense"))
        x = layer_norm(lin(m, W, p + "output.dense") + a,
                       W[p + "output.LayerNorm.weight"], W[p + "output.LayerNorm.bias"], eps)
    t = gelu_erf(lin(x, W, "cls.predictions.transform.dense"))
    t = layer_norm(t, W["cls.predictions.transform.LayerNorm.weight"],
                   W["cls.predictions.transform.LayerNorm.bias"], eps)
    return t @ W["bert.embeddings.word_embeddings.weight"].T + W["cls.predictions.bias"], atts


def log_softmax(x):
    x = x.astype(np.float64)
    m = x.max(-1, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(-1, keepdims=True))


# ---------------------------------------------------------------------------- tokenizer rules (README)

def split_on(text, literals, lstrip):
    out, i, cur = [], 0, ""
    while i < len(text):
        hit = None
        for lit in sorted(literals, key=len, reverse=True):
            if text.startswith(lit, i):
                hit = lit
                break
        if hit is None:
            cur += text[i]
            i += 1
            continue
        if hit in lstrip:
            cur = cur.rstrip()
        out.append(("t", cur))
        out.append(("s", hit))
        cur = ""
        i += len(hit)
    out.append(("t", cur))
    return [(k, s) for k, s in out if k == "s" or s != ""]


def tok_causal(sp, text):
    sid = {"<unk>": 0, "<s>": 1, "</s>": 2, "<pad>": 3}
    ids = [1]
    for k, s in split_on(text, list(sid), set()):
        ids += [sid[s]] if k == "s" else sp.encode(s)
    return ids


def tok_masked(sp, text, pair):
    sid = {"<unk>": 0, "<pad>": 3, "[CLS]": 4, "[SEP]": 5, "[MASK]": 6}

    def seg(t):
        r = []
        for k, s in split_on(t, list(sid), {"[MASK]"}):
            if k == "s":
                r.append(sid[s])
            else:
                s = " ".join(s.split()).replace("``", '"').replace("''", '"')
                if s:
                    r += sp.encode(s)
        return r
    a = seg(text)
    ids, tt = [4] + a + [5], [0] * (len(a) + 2)
    if pair is not None:
        b = seg(pair)
        ids += b + [5]
        tt += [1] * (len(b) + 1)
    return ids, tt


# ---------------------------------------------------------------------------- main

def check_tops(name, logits, tops, errors):
    """logits [T,V]; tops: reference top-5 entries. Returns the largest probability difference."""
    worst = 0.0
    for t in tops:
        pr = softmax(logits[t["position"]].astype(np.float64))
        top = list(np.argsort(-pr, kind="stable")[:5])
        if top != t["ids"]:
            errors.append(f"{name}: top-5 ids {top} vs {t['ids']} at {t['position']}")
        pd = float(np.abs(pr[t["ids"]] - np.asarray(t["probs"])).max())
        worst = max(worst, pd)
        if pd > ATOL_ATTN:
            errors.append(f"{name}: top-5 probabilities differ by {pd:.3g}")
    return worst


def check_long(name, W, cfg, lg, errors):
    """The full-length reference input: the stored attention rows and top-5 entries."""
    gpt = cfg["model_type"] == "gpt2"
    ids = lg["input_ids"]
    P = cfg["n_positions"] if gpt else cfg["max_position_embeddings"]
    if len(ids) != P:
        errors.append(f"{name}: the long reference has {len(ids)} ids, the model {P} positions")
        return 0.0
    if gpt:
        logits, atts = gpt2_forward(W, cfg, [ids])
    else:
        logits, atts = bert_forward(W, cfg, [ids], [lg["token_type_ids"]])
    A = np.stack([a[0] for a in atts])[:, :, lg["queries"], :]      # [L,H,Q,T]
    R = np.asarray(lg["attention_rows"], dtype=np.float64)
    if A.shape != R.shape:
        errors.append(f"{name}: long attention rows shape {A.shape} vs reference {R.shape}")
        return 0.0
    d = float(np.abs(A - R).max())
    if d > ATOL_ATTN:
        errors.append(f"{name}: long input attention differs by {d:.3g}")
    tops = [lg["top5_next"]] if gpt else lg["top5_mask"]
    worst = max(d, check_tops(name, logits[0], tops, errors))
    print(f"{name}: {len(ids)}-token reference input, rows {lg['queries']}, max |attention/prob diff| {worst:.3g}")
    return worst


def check_model(folder, ref_path, errors):
    name = os.path.basename(folder.rstrip("/"))
    cfg = json.load(open(os.path.join(folder, "config.json")))
    W = read_safetensors(os.path.join(folder, "model.safetensors"))
    exp = expected_shapes(cfg)
    if {k: list(v.shape) for k, v in W.items()} != exp:
        errors.append(f"{name}: tensor names/shapes differ from HF layout: "
                      f"missing {sorted(set(exp) - set(W))} extra {sorted(set(W) - set(exp))}")
        return
    nparams = sum(v.size for v in W.values())
    print(f"{name}: {len(W)} tensors, {nparams} parameters, names and shapes OK")
    ref = json.load(open(ref_path))
    import sentencepiece as spm
    gpt = cfg["model_type"] == "gpt2"
    sp = spm.SentencePieceProcessor(model_file=os.path.join(folder, "tokenizer.model" if gpt else "spiece.model"))
    worst = 0.0
    for s in ref["sentences"]:
        if gpt:
            ids = tok_causal(sp, s["text"])
            tt = None
        else:
            ids, tt = tok_masked(sp, s["text"], s.get("text_pair"))
        if ids != s["input_ids"] or (tt is not None and tt != s["token_type_ids"]):
            errors.append(f"{name}: tokenization of {s['text']!r} differs: {ids} vs {s['input_ids']}")
            continue
        if gpt:
            logits, atts = gpt2_forward(W, cfg, [ids])
        else:
            logits, atts = bert_forward(W, cfg, [ids], [tt])
        A = np.stack([a[0] for a in atts])              # [L,H,T,T]
        R = np.asarray(s["attentions"], dtype=np.float64)
        if A.shape != R.shape:
            errors.append(f"{name}: attention shape {A.shape} vs reference {R.shape}")
            continue
        d = float(np.abs(A - R).max())
        worst = max(worst, d)
        if d > ATOL_ATTN:
            errors.append(f"{name}: attention differs by {d:.3g} for {s['text']!r}")
        worst = max(worst, check_tops(name, logits[0], [s["top5_next"]] if gpt else s.get("top5_mask", []), errors))
    lg = ref.get("long")
    if lg:
        worst = max(worst, check_long(name, W, cfg, lg, errors))
    ev = ref["eval"]
    x = np.asarray(ev["input_ids"])
    if gpt:
        logits, _ = gpt2_forward(W, cfg, x[:, :-1])
        lp = log_softmax(logits)
        loss = float(-np.take_along_axis(lp, x[:, 1:, None], axis=-1).mean())
    else:
        lab = np.asarray(ev["labels"])
        logits, _ = bert_forward(W, cfg, x, np.zeros_like(x))
        lp = log_softmax(logits)
        sel = lab != -100
        loss = float(-lp[sel, lab[sel]].mean())
    rel = abs(loss - ev["loss"]) / ev["loss"]
    print(f"{name}: {len(ref['sentences'])} reference sentences, max |attention/prob diff| {worst:.3g}; "
          f"eval loss numpy {loss:.6f} vs reference {ev['loss']:.6f} (rel {rel:.2g})")
    if rel > RTOL_LOSS:
        errors.append(f"{name}: eval loss {loss} vs {ev['loss']}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", default="resources/models")
    ap.add_argument("--refs", default="tests/data/default_models")
    a = ap.parse_args()
    errors = []
    names = sorted(n for n in os.listdir(a.models) if os.path.isfile(os.path.join(a.models, n, "config.json")))
    for n in names:
        check_model(os.path.join(a.models, n), os.path.join(a.refs, n + ".json"), errors)
    for e in errors:
        print("ERROR:", e)
    print("OK" if not errors else f"{len(errors)} error(s)")
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
