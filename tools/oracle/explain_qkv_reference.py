#!/usr/bin/env python3
# Hugging Face's own q, k and v as they enter the dot product (after RoPE),
# for one (layer, head, query) of golden fixtures, and that row of the
# attention probabilities: the numbers `attnviz-cli explain` and the Explain
# view must reproduce. The tensors are taken where transformers computes the
# scores: each modeling module's eager_attention_forward is wrapped to record
# its query, key and value arguments (post-RoPE, before repeat_kv); BERT's
# come from forward hooks on its query/key/value Linear layers, and so do
# the three attentions of the encoder-decoder fixtures (T5, BART).
#
#   . ../shared/oracle/env.sh   # or wherever the oracle is set up
#   $PY tools/oracle/explain_qkv_reference.py ../shared/golden > tests/data/explain_qkv.json
#
# SPDX-License-Identifier: GPL-3.0-or-later
import importlib
import json
import sys
from pathlib import Path

import torch
import transformers
from transformers import AutoModel, AutoModelForSeq2SeqLM

golden = Path(sys.argv[1])
IDS = [2, 15, 27, 8, 3, 42, 7, 11, 5]
# (fixture folder, modeling module, layer, head, query)
CASES = [
    ("fixtures/gpt2", "gpt2", 1, 2, 6),
    ("fixtures/llama", "llama", 1, 3, 7),
    ("fixtures/qwen2", "qwen2", 0, 1, 8),
    ("fixtures/mistral", "mistral", 1, 0, 8),
    ("archs/fixtures/gemma", "gemma", 1, 1, 5),
    ("archs/fixtures/gemma2", "gemma2", 1, 0, 8),
    ("archs/fixtures/gpt_neox", "gpt_neox", 1, 1, 7),
    ("fixtures/bert", None, 1, 2, 4),
]

out = {"how": "tools/oracle/explain_qkv_reference.py: transformers " + transformers.__version__ +
              ", float32, eager attention, input_ids " + json.dumps(IDS) +
              "; q/k/v recorded at eager_attention_forward (post-RoPE) or, for BERT and the encoder, decoder and cross-attention "
              "of the T5 and BART fixtures (input_ids the first 8, decoder_input_ids [start, 5, 9, 14, 3]), from the "
              "query/key/value Linear outputs",
       "ids": IDS, "cases": []}
for folder, module_name, layer, head, query in CASES:
    print(folder, file=sys.stderr)
    model = AutoModel.from_pretrained(golden / folder, attn_implementation="eager", torch_dtype=torch.float32).eval()
    cfg = model.config
    n_heads = cfg.num_attention_heads
    hd = getattr(cfg, "head_dim", None) or cfg.hidden_size // n_heads
    calls = []
    restore = None
    hooks = []
    if module_name is not None:
        mod = importlib.import_module(f"transformers.models.{module_name}.modeling_{module_name}")
        original = mod.eager_attention_forward

        def recording(*args, _orig=original, **kwargs):
            # (module, query, key, value, ...) or, for GPT-NeoX, (query, key, value, ...)
            tensors = [a for a in args if isinstance(a, torch.Tensor)][:3]
            calls.append([t.detach().clone() for t in tensors])
            return _orig(*args, **kwargs)

        mod.eager_attention_forward = recording
        # GPT-NeoX dispatches through a table filled at import.
        tables = [t for t in vars(mod).values() if isinstance(t, dict) and original in t.values()]
        for t in tables:
            for key in [k for k, v in t.items() if v is original]:
                t[key] = recording
        restore = (mod, original, tables)
    else:
        attn = model.encoder.layer[layer].attention.self
        got = {}
        for name in ("query", "key", "value"):
            hooks.append(getattr(attn, name).register_forward_hook(
                lambda m, i, r, n=name: got.__setitem__(n, r.detach()[0])))
    with torch.no_grad():
        result = model(input_ids=torch.tensor([IDS]), output_attentions=True, **({} if module_name is None else {"use_cache": False}))
    if restore:
        restore[0].eager_attention_forward = restore[1]
        for t in restore[2]:
            for key in [k for k, v in t.items() if v is recording]:
                t[key] = restore[1]
    for h in hooks:
        h.remove()
    if module_name is not None:
        q_all, k_all, v_all = calls[layer]  # (1, H, T, hd), (1, KVH, T, hd)
        kvh = k_all.shape[1]
        g = head // (n_heads // kvh)
        q = q_all[0, head, query]
        k = k_all[0, g]
        v = v_all[0, g]
    else:
        kvh, g = n_heads, head
        q = got["query"][query, head * hd:(head + 1) * hd]
        k = got["key"][:, head * hd:(head + 1) * hd]
        v = got["value"][:, head * hd:(head + 1) * hd]
    probs = result.attentions[layer][0, head, query]
    out["cases"].append({
        "fixture": folder, "model_type": cfg.model_type, "layer": layer, "head": head, "query": query, "kv_head": g,
        "q": [float(x) for x in q], "k": [[float(x) for x in row] for row in k],
        "v": [[float(x) for x in row] for row in v], "probabilities": [float(x) for x in probs],
    })
# The encoder-decoder fixtures: the encoder's self-attention, the decoder's
# self-attention and its cross-attention (queries: decoder rows; keys and
# values: the encoder output's rows). q, k, v from forward hooks on the
# projections (BART scales q after q_proj; the hook sees it before, as
# attnviz keeps it), the probabilities from encoder_attentions,
# decoder_attentions and cross_attentions.
def projections(block, is_t5):
    names = (("q", "q"), ("k", "k"), ("v", "v")) if is_t5 else (("q_proj", "q"), ("k_proj", "k"), ("v_proj", "v"))
    return [(getattr(block, name), key) for name, key in names]


for folder, layer, head, enc_query, dec_query in [("encdec/fixtures/t5", 1, 1, 4, 3), ("encdec/fixtures/bart", 1, 2, 5, 2)]:
    print(folder, file=sys.stderr)
    model = AutoModelForSeq2SeqLM.from_pretrained(golden / folder, attn_implementation="eager", torch_dtype=torch.float32).eval()
    cfg = model.config
    is_t5 = cfg.model_type == "t5"
    n_heads = cfg.num_heads if is_t5 else cfg.encoder_attention_heads
    hd = (cfg.d_kv if is_t5 else cfg.d_model // n_heads)
    enc = model.get_encoder()
    dec = model.get_decoder()
    blocks = {
        "encoder": enc.block[layer].layer[0].SelfAttention if is_t5 else enc.layers[layer].self_attn,
        "decoder": dec.block[layer].layer[0].SelfAttention if is_t5 else dec.layers[layer].self_attn,
        "cross": dec.block[layer].layer[1].EncDecAttention if is_t5 else dec.layers[layer].encoder_attn,
    }
    got = {stack: {} for stack in blocks}
    hooks = []
    for stack, block in blocks.items():
        for module, key in projections(block, is_t5):
            hooks.append(module.register_forward_hook(
                lambda m, i, r, st=stack, n=key: got[st].__setitem__(n, r.detach()[0])))
    ids = IDS[:8]
    decoder_ids = [cfg.decoder_start_token_id, 5, 9, 14, 3]
    with torch.no_grad():
        result = model(input_ids=torch.tensor([ids]), decoder_input_ids=torch.tensor([decoder_ids]),
                       output_attentions=True, use_cache=False)
    for h in hooks:
        h.remove()
    probs = {"encoder": result.encoder_attentions, "decoder": result.decoder_attentions, "cross": result.cross_attentions}
    for stack in ("encoder", "decoder", "cross"):
        query = enc_query if stack == "encoder" else dec_query
        g = got[stack]
        out["cases"].append({
            "fixture": folder, "model_type": cfg.model_type, "stack": stack, "ids": ids,
            "decoder_ids": decoder_ids, "layer": layer, "head": head, "query": query, "kv_head": head,
            "q": [float(x) for x in g["q"][query, head * hd:(head + 1) * hd]],
            "k": [[float(x) for x in row] for row in g["k"][:, head * hd:(head + 1) * hd]],
            "v": [[float(x) for x in row] for row in g["v"][:, head * hd:(head + 1) * hd]],
            "probabilities": [float(x) for x in probs[stack][layer][0, head, query]],
        })
json.dump(out, sys.stdout, indent=None)
sys.stdout.write("\n")
