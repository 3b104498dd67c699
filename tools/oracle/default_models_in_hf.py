#!/usr/bin/env python3
# The bundled default models, loaded by Hugging Face transformers exactly as
# they ship (AutoTokenizer and AutoModelForCausalLM / AutoModelForMaskedLM on
# the folder, eager attention, float32), against the reference outputs the
# C++ test suite checks (tests/data/default_models): token ids of every
# reference text, attention of every reference sentence (all rows) and of the
# full-length input (the stored rows), and the top-5 predictions.
# Prints one line per check and exits 1 on any difference above 1e-5.
#
#   . ../shared/oracle env; python3 tools/oracle/default_models_in_hf.py [repository root]
#
# SPDX-License-Identifier: GPL-3.0-or-later
import json
import sys
from pathlib import Path

import numpy as np
import torch
import transformers
from transformers import AutoModelForCausalLM, AutoModelForMaskedLM, AutoTokenizer

try:  # the oracle has no Rust `tokenizers`: give transformers' fallback AddedToken the real one's semantics
    import oracle_compat  # ../shared/oracle site folder (its README)
    oracle_compat.apply()
except ImportError:  # a full transformers install: nothing to fix
    pass

root = Path(sys.argv[1] if len(sys.argv) > 1 else ".")
failures = []


def check(name, what, diff, tol=1e-5):
    ok = diff <= tol
    print(f"{name}: {what}: max diff {diff:.3g} {'OK' if ok else 'FAIL'}")
    if not ok:
        failures.append(f"{name}: {what}")


def top5_diff(logits, entries):
    worst = 0.0
    for e in entries:
        pr = torch.softmax(logits[e["position"]].double(), dim=-1).numpy()
        ids = list(np.argsort(-pr, kind="stable")[:5])
        if ids != e["ids"]:
            return float("inf")
        worst = max(worst, float(np.abs(pr[ids] - np.asarray(e["probs"])).max()))
    return worst


print(f"transformers {transformers.__version__}, torch {torch.__version__}")
for name, auto, causal in (("attnviz-gpt2-gutenberg", AutoModelForCausalLM, True),
                           ("attnviz-bert-gutenberg", AutoModelForMaskedLM, False)):
    folder = root / "resources" / "models" / name
    ref = json.loads((root / "tests" / "data" / "default_models" / f"{name}.json").read_text())
    try:
        tok = AutoTokenizer.from_pretrained(folder, use_fast=False)  # the slow classes tokenizer_config.json names
    except Exception as e:  # noqa: BLE001 - reported, the model is still checked on the reference ids
        tok = None
        failures.append(f"{name}: AutoTokenizer")
        print(f"{name}: AutoTokenizer fails: {type(e).__name__}: {e} FAIL")
    model = auto.from_pretrained(folder, attn_implementation="eager", torch_dtype=torch.float32).eval()
    print(f"{name}: {type(model).__name__}, {model.config.max_position_embeddings} positions")
    for i, s in enumerate(ref["sentences"]):
        enc = (tok(s["text"], s.get("text_pair")) if not causal else tok(s["text"])) if tok else None
        if enc is not None and enc["input_ids"] != s["input_ids"]:
            failures.append(f"{name}: ids of sentence {i}")
            print(f"{name}: sentence {i}: ids differ: {enc['input_ids']} vs {s['input_ids']} FAIL")
            continue
        kw = {} if causal else {"token_type_ids": torch.tensor([s["token_type_ids"]])}
        with torch.no_grad():
            out = model(torch.tensor([s["input_ids"]]), output_attentions=True, **kw)
        att = torch.stack([a[0] for a in out.attentions]).numpy()              # (L, H, T, T)
        d = float(np.abs(att - np.asarray(s["attentions"])).max())
        tops = [s["top5_next"]] if causal else s.get("top5_mask", [])
        check(name, f"sentence {i} ({len(s['input_ids'])} tokens) {'ids equal, ' if tok else ''}attention and top-5",
              max(d, top5_diff(out.logits[0], tops)))
    lg = ref.get("long")
    if lg is None:
        print(f"{name}: no long reference input (the model keeps {model.config.max_position_embeddings} positions)")
        continue
    kw = {} if causal else {"token_type_ids": torch.tensor([lg["token_type_ids"]])}
    with torch.no_grad():
        out = model(torch.tensor([lg["input_ids"]]), output_attentions=True, **kw)
    att = torch.stack([a[0] for a in out.attentions])[:, :, lg["queries"], :].numpy()   # (L, H, Q, T)
    d = float(np.abs(att - np.asarray(lg["attention_rows"])).max())
    tops = [lg["top5_next"]] if causal else lg["top5_mask"]
    check(name, f"{len(lg['input_ids'])}-token input, rows {lg['queries']} and top-5",
          max(d, top5_diff(out.logits[0], tops)))
    # The tokenizer keeps a text of the model's full length without a warning
    # about model_max_length.
    if tok is None:
        continue
    text = tok.decode(lg["input_ids"][1:-1] if not causal else lg["input_ids"][1:])
    n = len(tok(text)["input_ids"])
    print(f"{name}: the long input's text re-encodes to {n} ids (model_max_length {tok.model_max_length})")
print("OK" if not failures else f"{len(failures)} failure(s): " + "; ".join(failures))
sys.exit(1 if failures else 0)
