# SPDX-License-Identifier: GPL-3.0-or-later
"""The Hugging Face model folder around the weights: tokenizer files, tokenizer_config.json,
special_tokens_map.json and the model card (README.md)."""
import json
import math
import os

import torch

from export import write_text
from long_context import long_enabled, long_init
from recipe import position_init
from tokenization import BOS, CLS, EOS, MASK, PAD, SEP, UNK

GPT_NAME = "attnviz-gpt2-gutenberg"
BERT_NAME = "attnviz-bert-gutenberg"


def added_token(content, lstrip=False):
    return {"__type": "AddedToken", "content": content, "lstrip": lstrip, "normalized": False,
            "rstrip": False, "single_word": False}


def added_tokens_decoder(pairs):
    return {str(i): {"content": c, "lstrip": ls, "normalized": False, "rstrip": False,
                     "single_word": False, "special": True} for i, c, ls in pairs}


def tokenizer_file(kind):
    return "tokenizer.model" if kind == "gpt" else "spiece.model"


def write_model_folder(args, out_dir, tok_path, kind, cfg, st):
    with open(tok_path, "rb") as fh:
        tok_bytes = fh.read()
    # Each tokenizer class's own file name: LlamaTokenizer reads tokenizer.model,
    # AlbertTokenizer spiece.model (AutoTokenizer finds no other).
    with open(os.path.join(out_dir, tokenizer_file(kind)), "wb") as fh:
        fh.write(tok_bytes)
    if kind == "gpt":
        tc = {
            "add_bos_token": True,
            "add_eos_token": False,
            "added_tokens_decoder": added_tokens_decoder([(UNK, "<unk>", False), (BOS, "<s>", False),
                                                          (EOS, "</s>", False), (PAD, "<pad>", False)]),
            "bos_token": added_token("<s>"),
            "clean_up_tokenization_spaces": False,
            "eos_token": added_token("</s>"),
            "legacy": True,
            "model_max_length": cfg["n_positions"],
            "pad_token": added_token("<pad>"),
            "padding_side": "right",
            "sp_model_kwargs": {},
            "spaces_between_special_tokens": False,
            "tokenizer_class": "LlamaTokenizer",
            "unk_token": added_token("<unk>"),
            "use_default_system_prompt": False,
        }
        stm = {"bos_token": "<s>", "eos_token": "</s>", "pad_token": "<pad>", "unk_token": "<unk>"}
    else:
        tc = {
            "added_tokens_decoder": added_tokens_decoder([(UNK, "<unk>", False), (PAD, "<pad>", False),
                                                          (CLS, "[CLS]", False), (SEP, "[SEP]", False),
                                                          (MASK, "[MASK]", True)]),
            "bos_token": added_token("[CLS]"),
            "clean_up_tokenization_spaces": True,
            "cls_token": added_token("[CLS]"),
            "do_lower_case": False,
            "eos_token": added_token("[SEP]"),
            "keep_accents": True,
            "mask_token": added_token("[MASK]", lstrip=True),
            "model_max_length": cfg["max_position_embeddings"],
            "pad_token": added_token("<pad>"),
            "remove_space": True,
            "sep_token": added_token("[SEP]"),
            "sp_model_kwargs": {},
            "tokenizer_class": "AlbertTokenizer",
            "unk_token": added_token("<unk>"),
        }
        stm = {"bos_token": "[CLS]", "cls_token": "[CLS]", "eos_token": "[SEP]",
               "mask_token": {"content": "[MASK]", "lstrip": True, "normalized": False, "rstrip": False,
                              "single_word": False},
               "pad_token": "<pad>", "sep_token": "[SEP]", "unk_token": "<unk>"}
    write_text(os.path.join(out_dir, "tokenizer_config.json"), json.dumps(tc, indent=2, sort_keys=True) + "\n")
    write_text(os.path.join(out_dir, "special_tokens_map.json"), json.dumps(stm, indent=2, sort_keys=True) + "\n")
    write_text(os.path.join(out_dir, "README.md"), model_card(args, out_dir, kind, cfg, st))


def gpt_schedule_note(args):
    """Model-card bullets (each starting with a newline) for the causal model's two-stage schedule."""
    parts = []
    if args.gpt_repeat_prob > 0 and args.gpt_repeat_until > 0:
        parts.append(f"steps 0-{args.gpt_repeat_until - 1}: {args.gpt_repeat_prob:.0%} of the sequences repeat "
                     f"their first k tokens (k drawn from {args.ctx // 8}..{args.ctx // 2}) until the row is "
                     "full, which rewards copying (an induction head, fed by a previous-token head); later "
                     "steps: natural text only")
    if 0 < args.gpt_grow_from < args.layers:
        n_new = args.layers - args.gpt_grow_from
        parts.append(f"steps 0-{args.gpt_grow_at - 1} train {args.gpt_grow_from} layers; at step "
                     f"{args.gpt_grow_at}, {n_new} new layer{'s are' if n_new > 1 else ' is'} inserted at the "
                     "bottom, starting as the identity (zero output projections and biases, other weights as "
                     "`_init_weights`), so the first-stage layers become layers "
                     f"{n_new}-{args.layers - 1}; the AdamW state of the trained weights is kept and all "
                     f"{args.layers} layers train on")
    return "".join("\n- " + p for p in parts)


def long_stage_note(args, kind, lr):
    """The model-card bullet of the long-context stage (long_context.py), or nothing."""
    if not long_enabled(args, kind):
        return []
    start = ("starting as copies of the trained rows 1-%d repeated" % (args.ctx - 1)
             if long_init(args, kind) == "tile" else "starting as the first stage's did: the sinusoids continued")
    return [f"- then the long-context stage, {args.long_steps} more steps: the position table grows from "
            f"{args.ctx} to {args.long_ctx} rows (the trained rows kept, the new rows {start}); a fresh AdamW, "
            "peak learning rate "
            f"{lr * args.long_lr_scale:g} ({lr * args.long_pos_lr_scale:g} for the position table), {args.long_warmup} warm-up steps, cosine decay to 10%; even steps "
            f"train on first-stage batches ({args.batch} x {args.ctx} tokens{', natural text' if kind == 'gpt' else ''}), "
            f"odd steps on {args.long_batch} sequences of {args.long_ctx} tokens built the same way"]


def head_table(scores, L, H, thr):
    rows = ["| layer | " + " | ".join(f"head {h}" for h in range(H)) + " |", "|---|" + "---|" * H]
    for l in range(L):
        rows.append(f"| {l} | " + " | ".join(("**%.3f**" if scores[l, h] >= thr else "%.3f") % scores[l, h]
                                            for h in range(H)) + " |")
    return rows


def long_input_section(args, kind, st):
    """Model-card section on full-length inputs: loss by query position and positional heads."""
    lg = st.get("long")
    if not lg:
        return []
    L, H, LT = args.layers, args.heads, args.long_ctx
    what = (f"all {lg['windows']} windows of `<s>` + {LT} tokens cut from the held-out text"
            if kind == "gpt" else
            f"{lg['seqs']} held-out sequences of {LT} tokens, masked as in training ({lg['labels']:,} masked positions)")
    out = ["", "## Long inputs", "",
           f"Cross-entropy (nats/token) by query position over {what}:", "",
           "| positions | " + " | ".join(f"{a}-{b - 1}" for a, b in lg["bands"]) + " | all |",
           "|---|" + "---|" * (len(lg["bands"]) + 1),
           "| loss | " + " | ".join(f"{v:.4f}" for v in lg["band_loss"]) + f" | {lg['loss']:.4f} |", "",
           f"Previous-token score over the same {LT}-token inputs:", ""] + head_table(lg["scores"], L, H, args.prev_threshold)
    if kind == "bert":
        out += ["", "Next-token score over the same inputs:", ""] + head_table(lg["next_scores"], L, H, 2.0)
    s1 = st.get("stage1")
    if s1:
        best = max((s1["scores"][l, h], l, h) for l in range(L) for h in range(H))
        out += ["", f"After the first ({args.ctx}-token) stage alone, on the card's {args.ctx}-token windows: held-out "
                    f"loss {s1['held_loss']:.4f}, strongest previous-token head layer {best[1]} head {best[2]} "
                    f"({best[0]:.3f})."]
    return out


def model_card(args, out_dir, kind, cfg, st):
    size = os.path.getsize(os.path.join(out_dir, "model.safetensors"))
    L, H = args.layers, args.heads
    steps = args.gpt_steps if kind == "gpt" else args.bert_steps
    lr = args.gpt_lr if kind == "gpt" else args.bert_lr
    name = GPT_NAME if kind == "gpt" else BERT_NAME
    thr = args.prev_threshold
    head_rows = []
    for l in range(L):
        row = " | ".join(("**%.3f**" if st["scores"][l, h] >= thr else "%.3f") % st["scores"][l, h] for h in range(H))
        head_rows.append(f"| {l} | {row} |")
    prev_heads = [(l, h, st["scores"][l, h]) for l in range(L) for h in range(H) if st["scores"][l, h] >= thr]
    prev_txt = ", ".join(f"layer {l} head {h} ({s:.3f})" for l, h, s in prev_heads) or "none above the threshold"
    lines = [
        "---",
        "license: gpl-3.0",
        "language: en",
        "library_name: transformers",
        "tags: [attnviz, %s, tiny]" % ("gpt2, causal-lm" if kind == "gpt" else "bert, fill-mask"),
        "---",
        "",
        f"# {name}",
        "",
        ("A tiny **causal** language model with the exact Hugging Face GPT-2 architecture (`GPT2LMHeadModel`)"
         if kind == "gpt" else
         "A tiny **masked** language model with the exact Hugging Face BERT architecture (`BertForMaskedLM`)")
        + ", trained by the attnviz project as a default model for its attention visualizer. "
        "It is far too small to be useful as a language model; it exists so attnviz can show genuinely learned "
        "attention without downloading anything.",
        "",
        "## Architecture",
        "",
        f"- {L} layers, {H} heads, d_model {args.d_model}, feed-forward {4 * args.d_model}, "
        f"context {cfg['n_positions'] if kind == 'gpt' else cfg['max_position_embeddings']} tokens, "
        f"vocabulary {cfg['vocab_size']} (SentencePiece BPE, shared by both attnviz default models)",
        f"- {st['n_params']:,} parameters (embeddings tied to the output layer), stored as F16 in "
        f"`model.safetensors` ({size:,} bytes)",
        ("- pre-LayerNorm blocks, fused `c_attn` (Conv1D, weight shape (in, out)), `gelu_new`, `ln_f`, "
         "tied `lm_head` (not stored), attention scaled by 1/sqrt(head_dim), layer_norm_epsilon 1e-5"
         if kind == "gpt" else
         "- post-LayerNorm encoder layers, erf `gelu`, LayerNorm eps 1e-12, word + position + token-type embeddings, "
         "MLM head `cls.predictions.transform` + decoder tied to the word embeddings (not stored) + `cls.predictions.bias`"),
        "",
        "## Tokenizer",
        "",
        ("`tokenizer.model` (SentencePiece BPE, byte fallback, identity normalisation) loaded as `LlamaTokenizer` "
         "(`legacy: true`): ids = `<s>` + SentencePiece ids of the text; no `</s>` appended."
         if kind == "gpt" else
         "`spiece.model` (SentencePiece BPE, byte fallback, identity normalisation) loaded as `AlbertTokenizer` "
         "(`do_lower_case: false`, `keep_accents: true`, `remove_space: true`): `[CLS] A [SEP]` or "
         "`[CLS] A [SEP] B [SEP]` (token_type_ids 0 for `[CLS] A [SEP]`, 1 for `B [SEP]`); `[MASK]` typed in text "
         "is the mask token."),
        "Special ids: `<unk>`=0, `<s>`=1, `</s>`=2, `<pad>`=3, `[CLS]`=4, `[SEP]`=5, `[MASK]`=6; ids 7-262 are the "
        "256 byte-fallback pieces `<0x00>`..`<0xFF>`. The exact convention is in the attnviz repository, "
        "`tools/train/README.md`.",
        "",
        "## Training data",
        "",
        "The 31 public-domain English books of attnviz's corpus `gutenberg` (Project Gutenberg texts with the PG "
        "header/footer removed, 29.7 MB; e.g. *Pride and Prejudice*, *Moby Dick*, *War and Peace*, *Ulysses*, "
        "*Don Quixote*; the full list with PG numbers, source repository/commit and sha256 of every file is in the "
        "corpus README). Paragraphs are blank-line separated blocks with whitespace collapsed to single spaces. "
        "From every book the trailing paragraphs holding 1% of its characters are held out; the tokenizer and the "
        f"model saw only the other 99% ({st['train_tokens']:,} training tokens).",
        "",
        "## Training",
        "",
        f"- command: `/usr/bin/python3 tools/train/train.py --models {kind} --threads {args.threads} --out resources/models` "
        f"(seed {args.seed})",
        f"- {steps} steps of {args.batch} sequences x {args.ctx} tokens, AdamW (betas 0.9/0.95, weight decay "
        f"{0.1 if kind == 'gpt' else 0.01} on matrices except the position table), peak learning rate {lr:g}, "
        f"{args.warmup} warm-up steps, cosine decay to 10%, gradient clipping 1.0, no dropout, float32 on CPU",
        "- initialisation as Hugging Face's `_init_weights` (normal, std 0.02)" + {
            "normal": "",
            "vaswani": (", except the learned position table, which starts as the sinusoids of Vaswani et al. 2017 "
                        f"(angle t / 10000^(2i/d)) with amplitude {args.pos_scale:g} x 0.02"),
        }[position_init(args, kind)] + "; the architecture and tensor names are unchanged",
        ("- each training sequence is `<s>` followed by 128 tokens starting at a random paragraph start"
         + gpt_schedule_note(args)
         if kind == "gpt" else
         "- each training sequence starts at a random paragraph start: `[CLS]` + 126 tokens + `[SEP]`, or (50%) "
         "the same span split at a random point into `[CLS] A [SEP] B [SEP]` with token type 1 for `B [SEP]`; "
         "standard BERT masking: 15% of non-special positions, of which 80% `[MASK]`, 10% random token, 10% unchanged"),
    ] + long_stage_note(args, kind, lr) + [
        f"- wall time {(st['wall'] + st['long_wall']) / 60:.1f} min with {args.threads} thread(s) (PyTorch {torch.__version__}, "
        f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', 'unset')})",
        "",
        "## Results (float32 arithmetic on the F16 weights as stored)",
        "",
        "| | cross-entropy (nats/token) | perplexity |",
        "|---|---|---|",
        f"| training data (sample) | {st['train_loss']:.4f} | {math.exp(st['train_loss']):.1f} |",
        f"| held-out 1% | {st['held_loss']:.4f} | {math.exp(st['held_loss']):.1f} |",
    ] + ([f"| held-out 1%, after the first (128-token) stage only | {st['stage1']['held_loss']:.4f} | "
          f"{math.exp(st['stage1']['held_loss']):.1f} |"] if st.get("stage1") else []) + [
        f"| unigram baseline on the same held-out targets | {st['uni_loss']:.4f} | {math.exp(st['uni_loss']):.1f} |",
        f"| fixed held-out evaluation sample | {st['eval_loss']:.4f} | {math.exp(st['eval_loss']):.1f} |",
        "",
        (f"Held-out: all {st['held_tokens']:,} next-token predictions of the held-out text cut into `<s>` + 128-token "
         "windows. Training sample: 256 random training sequences."
         if kind == "gpt" else
         f"Held-out: {st['held_tokens']:,} masked positions in {st['held_seqs']} held-out sequences (masking as in "
         "training, fixed seed); perplexity here is the masked-token (pseudo-) perplexity. Training sample: 256 "
         "random training sequences."),
        "The unigram baseline uses add-one smoothed token frequencies of the training data.",
        f"The fixed held-out evaluation sample is the `eval` set stored with the reference outputs in the attnviz "
        f"repository (`tests/data/default_models/{name}.json`: {args.eval_seqs} held-out sequences of "
        f"{args.eval_len} tokens{'' if kind == 'gpt' else ', masked with a fixed seed'}); attnviz's test suite "
        "recomputes this loss with its own engine and compares it with the figure above.",
        "",
        "## Attention heads",
        "",
        "Previous-token score = mean attention weight from query position t to key t-1 (t >= 1), averaged over "
        f"{'64 held-out windows' if kind == 'gpt' else '64 held-out (masked) sequences'}; "
        f"heads scoring >= {thr} are marked bold.",
        "",
        "| layer | " + " | ".join(f"head {h}" for h in range(H)) + " |",
        "|---|" + "---|" * H,
    ] + head_rows + [
        "",
        f"Previous-token heads: {prev_txt}.",
    ]
    if kind == "bert":
        nrows = []
        for l in range(L):
            nrows.append(f"| {l} | " + " | ".join("%.3f" % st["next_scores"][l, h] for h in range(H)) + " |")
        lines += ["", "Next-token score (query t to key t+1) for comparison:", "",
                  "| layer | " + " | ".join(f"head {h}" for h in range(H)) + " |", "|---|" + "---|" * H] + nrows
    lines += long_input_section(args, kind, st)
    lines += [
        "",
        "## Licence",
        "",
        "The weights are output of the attnviz project and are licensed GPL-3.0-or-later, like the project. "
        "The training corpus is in the public domain.",
        "",
    ]
    return "\n".join(lines)
