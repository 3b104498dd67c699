#!/usr/bin/env python3
# Expected value norms ||v_j W_O^h|| of the encoder and decoder
# self-attention of the golden encoder-decoder fixtures, computed with
# Hugging Face transformers (the oracle): the value projection's output is
# taken with a forward hook on a teacher-forced forward over the golden
# case's ids, and W_O^h is the head's slice of the output projection.
#
#   . ../shared/oracle/env.sh   # or wherever the oracle is set up
#   $PY tools/oracle/seq2seq_value_norms.py ../shared/golden/encdec > tests/data/seq2seq_value_norms.json
#
# SPDX-License-Identifier: GPL-3.0-or-later
import json
import sys
from pathlib import Path

import torch
from transformers import AutoModelForSeq2SeqLM

golden = Path(sys.argv[1])
out = {"how": "tools/oracle/seq2seq_value_norms.py over golden/encdec/attention/<model>__in1__teacher.json "
              "ids, transformers " + __import__("transformers").__version__ + ", float32, eager attention",
       "cases": []}
for name in ["t5", "t5-gated", "bart", "marian"]:
    case = json.loads((golden / "attention" / f"{name}__in1__teacher.json").read_text())
    model = AutoModelForSeq2SeqLM.from_pretrained(golden / "fixtures" / name, attn_implementation="eager",
                                                  torch_dtype=torch.float32).eval()
    is_t5 = model.config.model_type == "t5"
    stacks = {"encoder": model.get_encoder(), "decoder": model.get_decoder()}
    captured = {}
    hooks = []
    projections = {}
    for stack, module in stacks.items():
        layers = module.block if is_t5 else module.layers
        for l, layer in enumerate(layers):
            attn = layer.layer[0].SelfAttention if is_t5 else layer.self_attn
            v = attn.v if is_t5 else attn.v_proj
            o = attn.o if is_t5 else attn.out_proj
            projections[(stack, l)] = o.weight.detach()  # (dModel, H headDim)
            hooks.append(v.register_forward_hook(
                lambda mod, inp, res, key=(stack, l): captured.__setitem__(key, res.detach()[0])))
    with torch.no_grad():
        model(input_ids=torch.tensor([case["input_ids"]]),
              decoder_input_ids=torch.tensor([case["decoder_input_ids"]]))
    for h in hooks:
        h.remove()
    entry = {"model": name, "case": case["case"]}
    for stack in stacks:
        cfg = model.config
        n_heads = (cfg.num_heads if is_t5 else
                   (cfg.encoder_attention_heads if stack == "encoder" else cfg.decoder_attention_heads))
        layers = []
        l = 0
        while (stack, l) in captured:
            v = captured[(stack, l)]  # (tokens, H headDim)
            w = projections[(stack, l)]
            hd = v.shape[1] // n_heads
            heads = []
            for h in range(n_heads):
                f = v[:, h * hd:(h + 1) * hd] @ w[:, h * hd:(h + 1) * hd].T  # (tokens, dModel)
                heads.append([float(x) for x in f.norm(dim=1)])
            layers.append(heads)
            l += 1
        entry[stack + "_value_norms"] = layers  # [L][H][tokens]
    out["cases"].append(entry)
json.dump(out, sys.stdout)
print()
