#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Train attnviz's default models (issue 6) from the project's Gutenberg corpus.

One seeded command trains
  1. a SentencePiece BPE tokenizer (shared by both models),
  2. a small causal LM with the exact Hugging Face GPT-2 architecture (GPT2LMHeadModel),
  3. a small masked LM with the exact Hugging Face BERT architecture (BertForMaskedLM),
and writes Hugging Face model folders (config.json, model.safetensors in F16,
tokenizer.model, tokenizer_config.json, special_tokens_map.json, README.md)
plus reference outputs for the C++ engine under tests/data/default_models/.

Only needs Debian's python3-torch, python3-numpy and python3-sentencepiece.
See tools/train/README.md for the command, conventions and outputs.
"""
import argparse
import hashlib
import json
import math
import os
import re
import struct
import sys
import time

import numpy as np
import sentencepiece as spm
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tokenization  # noqa: E402  (the reference text -> ids convention)

GPT_NAME = "attnviz-gpt2-gutenberg"
BERT_NAME = "attnviz-bert-gutenberg"

# Fixed SentencePiece id layout (LlamaTokenizer's fast converter assumes 0/1/2 = <unk>/<s>/</s>).
UNK, BOS, EOS, PAD, CLS, SEP, MASK = 0, 1, 2, 3, 4, 5, 6
N_SPECIAL = 7          # ids 0..6 are specials, 7..262 the 256 byte-fallback pieces
FIRST_NORMAL = N_SPECIAL + 256


def log(*a):
    print(time.strftime("%H:%M:%S"), *a, flush=True)


# ----------------------------------------------------------------------------- corpus

def read_corpus(corpus_dir, max_books=None):
    """Return [(filename, [paragraph, ...])] in sorted filename order.

    A paragraph is a blank-line separated block with all whitespace runs
    collapsed to one ASCII space (" ".join(block.split())).
    """
    files = sorted(f for f in os.listdir(corpus_dir) if f.endswith(".txt"))
    if max_books:
        files = files[:max_books]
    books = []
    for fn in files:
        with open(os.path.join(corpus_dir, fn), encoding="utf-8") as fh:
            text = fh.read()
        paras = [" ".join(b.split()) for b in re.split(r"\n[ \t\r\f\v]*\n", text)]
        books.append((fn, [p for p in paras if p]))
    return books


def split_heldout(books, frac):
    """Per book: the trailing paragraphs holding >= frac of its characters are held out."""
    train, held = [], []
    for fn, paras in books:
        total = sum(len(p) for p in paras)
        acc, k = 0, len(paras)
        while k > 1 and acc < frac * total:
            k -= 1
            acc += len(paras[k])
        train.append((fn, paras[:k]))
        held.append((fn, paras[k:]))
    return train, held


# ----------------------------------------------------------------------------- tokenizer

def train_tokenizer(train_books, work, vocab_size, threads, seed):
    path = os.path.join(work, "spm_input.txt")
    # digits are rare in the corpus: require them as pieces (those that occur at all; SentencePiece
    # aborts on a required character with zero frequency, which only matters for --max-books runs)
    present = set()
    for _, paras in train_books:
        for p in paras:
            present.update(c for c in p if "0" <= c <= "9")
    required = "".join(sorted(present))
    with open(path, "w", encoding="utf-8") as fh:
        for _, paras in train_books:
            for p in paras:
                # long paragraphs are cut into <= ~2000 character lines at spaces
                words, line = p.split(" "), []
                n = 0
                for w in words:
                    if n + len(w) > 2000 and line:
                        fh.write(" ".join(line) + "\n")
                        line, n = [], 0
                    line.append(w)
                    n += len(w) + 1
                if line:
                    fh.write(" ".join(line) + "\n")
    prefix = os.path.join(work, "tokenizer")
    spm.set_random_generator_seed(seed)
    # the trainer_spec stored inside tokenizer.model records input and model_prefix: use
    # relative names (cwd = work dir) so the file does not depend on where --work is
    cwd = os.getcwd()
    os.chdir(work)
    try:
        _train_spm(vocab_size, threads, required)
    finally:
        os.chdir(cwd)
    sp = spm.SentencePieceProcessor(model_file=prefix + ".model")
    assert [sp.id_to_piece(i) for i in range(N_SPECIAL)] == \
        ["<unk>", "<s>", "</s>", "<pad>", "[CLS]", "[SEP]", "[MASK]"]
    assert sp.id_to_piece(N_SPECIAL) == "<0x00>" and sp.id_to_piece(FIRST_NORMAL - 1) == "<0xFF>"
    return prefix + ".model", sp


def _train_spm(vocab_size, threads, required):
    spm.SentencePieceTrainer.train(
        input="spm_input.txt", model_prefix="tokenizer", model_type="bpe", vocab_size=vocab_size,
        character_coverage=0.9995, required_chars=required, byte_fallback=True, split_digits=True,
        normalization_rule_name="identity", remove_extra_whitespaces=False, add_dummy_prefix=True,
        unk_id=UNK, bos_id=BOS, eos_id=EOS, pad_id=PAD,
        unk_piece="<unk>", bos_piece="<s>", eos_piece="</s>", pad_piece="<pad>",
        control_symbols="[CLS],[SEP],[MASK]",
        input_sentence_size=0, shuffle_input_sentence=False,
        max_sentence_length=8192, num_threads=threads, minloglevel=2)


def encode_books(sp, books):
    """Concatenate per-paragraph encodings into one stream; remember paragraph starts."""
    ids, starts = [], []
    for _, paras in books:
        enc = sp.encode(paras)
        for e in enc:
            starts.append(len(ids))
            ids.extend(e)
    return np.asarray(ids, dtype=np.int64), np.asarray(starts, dtype=np.int64)


# ----------------------------------------------------------------------------- GPT-2 (HF layout)

class Conv1D(nn.Module):
    """HF transformers.pytorch_utils.Conv1D: y = x @ W + b with W of shape (in, out)."""

    def __init__(self, nx, nf):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(nx, nf))
        self.bias = nn.Parameter(torch.zeros(nf))

    def forward(self, x):
        size_out = x.size()[:-1] + (self.weight.size(1),)
        return torch.addmm(self.bias, x.reshape(-1, x.size(-1)), self.weight).view(size_out)


def gelu_new(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))


class GPT2Attention(nn.Module):
    def __init__(self, d, h, n_pos):
        super().__init__()
        self.h, self.hd = h, d // h
        self.c_attn = Conv1D(d, 3 * d)
        self.c_proj = Conv1D(d, d)
        self.register_buffer("causal", torch.tril(torch.ones(n_pos, n_pos, dtype=torch.bool)), persistent=False)

    def forward(self, x, probs_out=None):
        B, T, C = x.shape
        q, k, v = self.c_attn(x).split(C, dim=2)
        q = q.view(B, T, self.h, self.hd).transpose(1, 2)
        k = k.view(B, T, self.h, self.hd).transpose(1, 2)
        v = v.view(B, T, self.h, self.hd).transpose(1, 2)
        w = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(self.hd)   # scale_attn_weights
        w = w.masked_fill(~self.causal[:T, :T], float("-inf"))          # HF: finfo.min, same softmax
        p = torch.softmax(w, dim=-1)
        if probs_out is not None:
            probs_out.append(p)
        y = torch.matmul(p, v).transpose(1, 2).reshape(B, T, C)
        return self.c_proj(y)


class GPT2MLP(nn.Module):
    def __init__(self, d, inner):
        super().__init__()
        self.c_fc = Conv1D(d, inner)
        self.c_proj = Conv1D(inner, d)

    def forward(self, x):
        return self.c_proj(gelu_new(self.c_fc(x)))


class GPT2Block(nn.Module):
    def __init__(self, d, h, n_pos, eps):
        super().__init__()
        self.ln_1 = nn.LayerNorm(d, eps=eps)
        self.attn = GPT2Attention(d, h, n_pos)
        self.ln_2 = nn.LayerNorm(d, eps=eps)
        self.mlp = GPT2MLP(d, 4 * d)

    def forward(self, x, probs_out=None):
        x = x + self.attn(self.ln_1(x), probs_out)
        return x + self.mlp(self.ln_2(x))


class GPT2Model(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        d = cfg["n_embd"]
        self.wte = nn.Embedding(cfg["vocab_size"], d)
        self.wpe = nn.Embedding(cfg["n_positions"], d)
        self.h = nn.ModuleList([GPT2Block(d, cfg["n_head"], cfg["n_positions"], cfg["layer_norm_epsilon"])
                                for _ in range(cfg["n_layer"])])
        self.ln_f = nn.LayerNorm(d, eps=cfg["layer_norm_epsilon"])

    def forward(self, ids, probs_out=None):
        pos = torch.arange(ids.size(1), dtype=torch.long).unsqueeze(0)
        x = self.wte(ids) + self.wpe(pos)
        for blk in self.h:
            x = blk(x, probs_out)
        return self.ln_f(x)


class GPT2LMHeadModel(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        self.transformer = GPT2Model(cfg)
        self._init(cfg)

    def _init(self, cfg):  # HF GPT2PreTrainedModel._init_weights
        std = cfg["initializer_range"]
        for name, p in self.named_parameters():
            if name.endswith("ln_1.weight") or name.endswith("ln_2.weight") or name.endswith("ln_f.weight"):
                nn.init.ones_(p)
            elif name.endswith(".bias"):
                nn.init.zeros_(p)
            elif name.endswith("c_proj.weight"):
                nn.init.normal_(p, 0.0, std / math.sqrt(2 * cfg["n_layer"]))
            else:
                nn.init.normal_(p, 0.0, std)

    def forward(self, ids, probs_out=None):
        h = self.transformer(ids, probs_out)
        return torch.matmul(h, self.transformer.wte.weight.t())   # tied lm_head, no bias


# ----------------------------------------------------------------------------- BERT (HF layout)

def gelu_erf(x):
    return 0.5 * x * (1.0 + torch.erf(x / math.sqrt(2.0)))


class BertEmbeddings(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        d = cfg["hidden_size"]
        self.word_embeddings = nn.Embedding(cfg["vocab_size"], d, padding_idx=cfg["pad_token_id"])
        self.position_embeddings = nn.Embedding(cfg["max_position_embeddings"], d)
        self.token_type_embeddings = nn.Embedding(cfg["type_vocab_size"], d)
        self.LayerNorm = nn.LayerNorm(d, eps=cfg["layer_norm_eps"])

    def forward(self, ids, tt):
        pos = torch.arange(ids.size(1), dtype=torch.long).unsqueeze(0)
        e = self.word_embeddings(ids) + self.token_type_embeddings(tt)
        e = e + self.position_embeddings(pos)
        return self.LayerNorm(e)


class BertSelfAttention(nn.Module):
    def __init__(self, d, h):
        super().__init__()
        self.h, self.hd = h, d // h
        self.query = nn.Linear(d, d)
        self.key = nn.Linear(d, d)
        self.value = nn.Linear(d, d)

    def forward(self, x, probs_out=None):
        B, T, C = x.shape
        q = self.query(x).view(B, T, self.h, self.hd).transpose(1, 2)
        k = self.key(x).view(B, T, self.h, self.hd).transpose(1, 2)
        v = self.value(x).view(B, T, self.h, self.hd).transpose(1, 2)
        s = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(self.hd)
        p = torch.softmax(s, dim=-1)        # no padding: the extended attention mask is all zeros
        if probs_out is not None:
            probs_out.append(p)
        return torch.matmul(p, v).transpose(1, 2).reshape(B, T, C)


class BertSelfOutput(nn.Module):
    def __init__(self, d, eps):
        super().__init__()
        self.dense = nn.Linear(d, d)
        self.LayerNorm = nn.LayerNorm(d, eps=eps)

    def forward(self, h, inp):
        return self.LayerNorm(self.dense(h) + inp)


class BertAttention(nn.Module):
    def __init__(self, d, h, eps):
        super().__init__()
        self.self = BertSelfAttention(d, h)
        self.output = BertSelfOutput(d, eps)

    def forward(self, x, probs_out=None):
        return self.output(self.self(x, probs_out), x)


class BertIntermediate(nn.Module):
    def __init__(self, d, inner):
        super().__init__()
        self.dense = nn.Linear(d, inner)

    def forward(self, x):
        return gelu_erf(self.dense(x))


class BertOutput(nn.Module):
    def __init__(self, d, inner, eps):
        super().__init__()
        self.dense = nn.Linear(inner, d)
        self.LayerNorm = nn.LayerNorm(d, eps=eps)

    def forward(self, h, inp):
        return self.LayerNorm(self.dense(h) + inp)


class BertLayer(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        d, eps = cfg["hidden_size"], cfg["layer_norm_eps"]
        self.attention = BertAttention(d, cfg["num_attention_heads"], eps)
        self.intermediate = BertIntermediate(d, cfg["intermediate_size"])
        self.output = BertOutput(d, cfg["intermediate_size"], eps)

    def forward(self, x, probs_out=None):
        a = self.attention(x, probs_out)
        return self.output(self.intermediate(a), a)


class BertEncoder(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.layer = nn.ModuleList([BertLayer(cfg) for _ in range(cfg["num_hidden_layers"])])

    def forward(self, x, probs_out=None):
        for lyr in self.layer:
            x = lyr(x, probs_out)
        return x


class BertModel(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.embeddings = BertEmbeddings(cfg)
        self.encoder = BertEncoder(cfg)

    def forward(self, ids, tt, probs_out=None):
        return self.encoder(self.embeddings(ids, tt), probs_out)


class BertPredictionHeadTransform(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        d = cfg["hidden_size"]
        self.dense = nn.Linear(d, d)
        self.LayerNorm = nn.LayerNorm(d, eps=cfg["layer_norm_eps"])

    def forward(self, x):
        return self.LayerNorm(gelu_erf(self.dense(x)))


class BertLMPredictionHead(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.transform = BertPredictionHeadTransform(cfg)
        self.bias = nn.Parameter(torch.zeros(cfg["vocab_size"]))


class BertOnlyMLMHead(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.predictions = BertLMPredictionHead(cfg)


class BertForMaskedLM(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        self.bert = BertModel(cfg)
        self.cls = BertOnlyMLMHead(cfg)
        self._init(cfg)

    def _init(self, cfg):  # HF BertPreTrainedModel._init_weights
        std = cfg["initializer_range"]
        for name, p in self.named_parameters():
            if "LayerNorm.weight" in name:
                nn.init.ones_(p)
            elif name.endswith("bias"):
                nn.init.zeros_(p)
            else:
                nn.init.normal_(p, 0.0, std)
        with torch.no_grad():
            self.bert.embeddings.word_embeddings.weight[cfg["pad_token_id"]].zero_()

    def mlm_logits(self, h):
        """MLM head on hidden states h[..., d]; decoder weight tied to word embeddings."""
        t = self.cls.predictions.transform(h)
        return torch.matmul(t, self.bert.embeddings.word_embeddings.weight.t()) + self.cls.predictions.bias

    def forward(self, ids, tt, probs_out=None):
        return self.mlm_logits(self.bert(ids, tt, probs_out))


# ----------------------------------------------------------------------------- safetensors

def write_safetensors(path, tensors):
    """tensors: {name: np.ndarray float16}. Sorted by name, contiguous, header padded to 8."""
    header = {"__metadata__": {"format": "pt"}}
    off, blobs = 0, []
    for name in sorted(tensors):
        a = np.ascontiguousarray(tensors[name])
        assert a.dtype == np.float16
        b = a.astype("<f2").tobytes()
        header[name] = {"dtype": "F16", "shape": list(a.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    hj = json.dumps(header, separators=(",", ":")).encode("utf-8")
    hj += b" " * ((8 - len(hj) % 8) % 8)
    with open(path, "wb") as fh:
        fh.write(struct.pack("<Q", len(hj)))
        fh.write(hj)
        for b in blobs:
            fh.write(b)


def export_fp16(model, skip=()):
    """State dict -> {name: float16 array}, and round the module's weights to fp16 in place."""
    out = {}
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name in skip:
                continue
            h = p.detach().cpu().numpy().astype(np.float16)
            assert np.all(np.isfinite(h)), name
            out[name] = h
            p.copy_(torch.from_numpy(h.astype(np.float32)))
    return out


# ----------------------------------------------------------------------------- JSON with %.9g floats

def f32s(x):
    return "%.9g" % float(np.float32(x))


def dump_json(obj, indent=0, inline_depth=None):
    """Deterministic JSON writer; floats written as %.9g of their float32 value.
    Lists of numbers are written on one line."""
    sp = "  " * indent
    if isinstance(obj, dict):
        if not obj:
            return "{}"
        items = [sp + "  " + json.dumps(k) + ": " + dump_json(v, indent + 1) for k, v in obj.items()]
        return "{\n" + ",\n".join(items) + "\n" + sp + "}"
    if isinstance(obj, (list, tuple)):
        if all(not isinstance(v, (list, tuple, dict)) for v in obj):
            return "[" + ",".join(dump_json(v) for v in obj) + "]"
        return "[\n" + ",\n".join(sp + "  " + dump_json(v, indent + 1) for v in obj) + "\n" + sp + "]"
    if isinstance(obj, (bool, np.bool_)):
        return "true" if obj else "false"
    if isinstance(obj, (int, np.integer)):
        return str(int(obj))
    if isinstance(obj, (float, np.floating)):
        assert math.isfinite(float(obj))
        return f32s(obj)
    if obj is None:
        return "null"
    return json.dumps(obj, ensure_ascii=False)


def write_text(path, text):
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text)


# ----------------------------------------------------------------------------- training helpers

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


def valid_starts(starts, n_tokens, need):
    return starts[starts + need <= n_tokens]


def gpt_batch(stream, starts, rng, bsz, T, repeat_prob=0.0):
    """[BOS] + T tokens from paragraph starts -> inputs (T) and targets (T).

    With repeat_prob > 0, that share of the rows repeats itself: its first k tokens (k drawn from
    [T/8, T/2]) come again and again until the row is full. Predicting the repeats rewards looking up
    the token after the previous occurrence of the current one (an induction head), which needs a
    head that moves each token's identity to the next position (a previous-token head). k varies so
    that a fixed positional offset cannot do the same job."""
    sel = starts[rng.randint(0, len(starts), size=bsz)]
    seq = np.empty((bsz, T + 1), dtype=np.int64)
    seq[:, 0] = BOS
    for i, s in enumerate(sel):
        seq[i, 1:] = stream[s:s + T]
    if repeat_prob > 0:
        rows = np.nonzero(rng.random_sample(bsz) < repeat_prob)[0]
        for i in rows:
            k = int(rng.randint(T // 8, T // 2 + 1))
            seq[i, 1:] = np.resize(seq[i, 1:k + 1], T)
    return torch.from_numpy(seq[:, :-1].copy()), torch.from_numpy(seq[:, 1:].copy())


def bert_sequence(stream, s, T, rng, pair):
    """[CLS] A [SEP] (B [SEP]) of exactly T tokens starting at stream[s]; B continues A."""
    if not pair:
        body = stream[s:s + T - 2]
        ids = np.concatenate([[CLS], body, [SEP]])
        tt = np.zeros(T, dtype=np.int64)
    else:
        n = T - 3
        k = int(rng.randint(n // 4, 3 * n // 4 + 1))
        a, b = stream[s:s + k], stream[s + k:s + n]
        ids = np.concatenate([[CLS], a, [SEP], b, [SEP]])
        tt = np.concatenate([np.zeros(k + 2, dtype=np.int64), np.ones(n - k + 1, dtype=np.int64)])
    return ids.astype(np.int64), tt


def mask_tokens(ids, rng, vocab_size, prob=0.15):
    """BERT masking: each non-special position selected with prob 0.15 (at least one per
    sequence); selected -> 80% [MASK], 10% random normal token, 10% unchanged. labels=-100 elsewhere."""
    ids = ids.copy()
    labels = np.full_like(ids, -100)
    special = ids < N_SPECIAL
    for r in range(ids.shape[0]):
        u = rng.random_sample(ids.shape[1])
        sel = (u < prob) & ~special[r]
        if not sel.any():
            cand = np.nonzero(~special[r])[0]
            sel[cand[rng.randint(0, len(cand))]] = True
        pos = np.nonzero(sel)[0]
        labels[r, pos] = ids[r, pos]
        v = rng.random_sample(len(pos))
        rnd = rng.randint(N_SPECIAL, vocab_size, size=len(pos))
        for j, p in enumerate(pos):
            if v[j] < 0.8:
                ids[r, p] = MASK
            elif v[j] < 0.9:
                ids[r, p] = rnd[j]
    return ids, labels


def heldout_windows(stream, T, prefix):
    """Non-overlapping windows of the held-out stream: [prefix] + T-1 tokens."""
    n = (len(stream)) // (T - 1)
    out = np.empty((n, T), dtype=np.int64)
    out[:, 0] = prefix
    for i in range(n):
        out[i, 1:] = stream[i * (T - 1):(i + 1) * (T - 1)]
    return out


def unigram_logprobs(train_stream, vocab_size):
    counts = np.bincount(train_stream, minlength=vocab_size).astype(np.float64) + 1.0
    return np.log(counts / counts.sum())


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        h.update(fh.read())
    return h.hexdigest()


# ----------------------------------------------------------------------------- reference sentences

ABBREV = re.compile(r"(?:^|\s)(?:Mr|Mrs|Dr|St|Mme|Mlle|Messrs|Capt|Col|Gen|Rev|Lt|Jr|Sr|Prof|No|[A-Z])\.$")


def split_sentences(p):
    """Split a paragraph after . ! ? followed by whitespace, but not after abbreviations like Mr."""
    out = []
    for frag in re.split(r"(?<=[.!?])\s+", p):
        if out and ABBREV.search(out[-1]):
            out[-1] += " " + frag
        else:
            out.append(frag)
    return out


def candidate_sentences(sp, held_books, lo, hi):
    """Short plain-ASCII sentences from the held-out paragraphs, one list per book."""
    per_book = []
    for _, paras in held_books:
        c = []
        for p in paras:
            for s in split_sentences(p):
                if not re.fullmatch(r"[A-Z][A-Za-z ,;']+[a-z][.!?]", s):
                    continue
                if len(s.split()) < 6:
                    continue
                n = len(sp.encode(s))
                if lo <= n <= hi:
                    c.append(s)
        per_book.append(c)
    return per_book


def candidate_pairs(sp, held_books, max_total):
    """Consecutive sentence pairs (A, B) of one held-out paragraph, plain ASCII, with
    len(A) + len(B) + 3 specials <= max_total tokens."""
    out = []
    for _, paras in held_books:
        for p in paras:
            ss = split_sentences(p)
            for a, b in zip(ss, ss[1:]):
                if all(re.fullmatch(r"[A-Z][A-Za-z ,;']+[a-z][.!?]", x) and len(x.split()) >= 3 for x in (a, b)):
                    if len(sp.encode(a)) + len(sp.encode(b)) + 3 <= max_total:
                        out.append((a, b))
    return out


def pick_sentences(per_book, k, rng):
    """k sentences, from k different books when there are enough books."""
    books = [i for i, c in enumerate(per_book) if c]
    if len(books) >= k:
        chosen = sorted(rng.choice(len(books), size=k, replace=False))
        return [per_book[books[i]][rng.randint(0, len(per_book[books[i]]))] for i in chosen]
    flat = [s for c in per_book for s in c]
    return [flat[i] for i in sorted(rng.choice(len(flat), size=k, replace=False))]


# ----------------------------------------------------------------------------- GPT-2 stage

def run_gpt(args, sp, tok_path, data, seed):
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
    n_params = sum(p.numel() for p in model.parameters())
    model.eval()
    weights = export_fp16(model)      # module now holds the fp16-rounded weights
    out_dir = os.path.join(args.out, GPT_NAME)
    os.makedirs(out_dir, exist_ok=True)
    write_safetensors(os.path.join(out_dir, "model.safetensors"), weights)
    write_text(os.path.join(out_dir, "config.json"), json.dumps(cfg, indent=2, sort_keys=True) + "\n")

    # ---- evaluation on the fp16-rounded weights, float32 arithmetic
    uni = unigram_logprobs(train_stream, V)
    with torch.no_grad():
        def mean_loss(win):
            tot, n = 0.0, 0
            for i in range(0, len(win), 32):
                w = torch.from_numpy(win[i:i + 32])
                l = F.cross_entropy(model(w[:, :-1]).reshape(-1, V), w[:, 1:].reshape(-1), reduction="sum")
                tot += l.item()
                n += w[:, 1:].numel()
            return tot / n
        held_loss = mean_loss(held_win)
        erng = np.random.RandomState(seed + 7)
        tr_x, tr_y = gpt_batch(train_stream, starts, erng, min(len(held_win), 256), T)
        train_loss = mean_loss(np.concatenate([tr_x.numpy(), tr_y.numpy()[:, -1:]], axis=1))
        uni_loss = float(-uni[held_win[:, 1:]].mean())
        # previous-token scores over the held-out windows
        scores = np.zeros((args.layers, args.heads))
        nwin = min(len(held_win), 64)
        for i in range(0, nwin, 16):
            probs = []
            model(torch.from_numpy(held_win[i:min(i + 16, nwin), :-1]), probs)
            for l, p in enumerate(probs):
                d = torch.diagonal(p, offset=-1, dim1=-2, dim2=-1)   # [B,H,T-1]: attn[t, t-1]
                scores[l] += d.sum(dim=(0, 2)).numpy()
        scores /= nwin * (T - 1)
    log(f"gpt: train {train_loss:.4f} held {held_loss:.4f} unigram {uni_loss:.4f}")

    # ---- reference outputs
    sent_rng = np.random.RandomState(seed + 11)
    per_book = candidate_sentences(sp, data_held_books(args), 10, 23)
    sents = pick_sentences(per_book, 4, sent_rng)
    refs = []
    with torch.no_grad():
        for s in sents:
            ids = tokenization.encode_causal(sp, s)
            probs = []
            logits = model(torch.tensor([ids]), probs)
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
        "weights": "model.safetensors (F16); reference computed in float32 on the F16 weights converted exactly to float32",
        "float_format": "%.9g of the float32 value",
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
    os.makedirs(args.tests_out, exist_ok=True)
    write_text(os.path.join(args.tests_out, GPT_NAME + ".json"), dump_json(ref) + "\n")
    stats = dict(n_params=n_params, wall=wall, train_loss=train_loss, held_loss=held_loss, uni_loss=uni_loss,
                 scores=scores, eval_loss=ev_loss, last_train=float(np.mean(hist[-200:])),
                 held_tokens=int(held_win[:, 1:].size), train_tokens=int(len(train_stream)))
    write_model_folder(args, out_dir, tok_path, "gpt", cfg, stats)
    return stats


def data_held_books(args):
    return args._held_books


# ----------------------------------------------------------------------------- BERT stage

def run_bert(args, sp, tok_path, data, seed):
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
    n_params = sum(p.numel() for p in model.parameters())
    log(f"BERT: {n_params} parameters, {args.bert_steps} steps x {args.batch} x {T}")
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
    model.eval()
    weights = export_fp16(model)
    out_dir = os.path.join(args.out, BERT_NAME)
    os.makedirs(out_dir, exist_ok=True)
    write_safetensors(os.path.join(out_dir, "model.safetensors"), weights)
    write_text(os.path.join(out_dir, "config.json"), json.dumps(cfg, indent=2, sort_keys=True) + "\n")

    uni = unigram_logprobs(train_stream, V)
    with torch.no_grad():
        def eval_set(stream, st, r, n):
            tot, cnt, utot, ids_all, tt_all = 0.0, 0, 0.0, [], []
            for i in range(0, n, 32):
                ids, mids, tt, lab = batch(stream, st, r, min(32, n - i), T)
                l, c = mlm_loss(mids, tt, lab, reduction="sum")
                tot += l.item()
                cnt += c
                utot += float(-uni[lab[lab != -100]].sum())
                ids_all.append(mids)
                tt_all.append(tt)
            return tot / cnt, utot / cnt, cnt, np.concatenate(ids_all), np.concatenate(tt_all)
        n_held = min(len(hstarts), 512)
        held_loss, uni_loss, held_cnt, h_ids, h_tt = eval_set(held_stream, hstarts, np.random.RandomState(seed + 17), n_held)
        train_loss, _, _, _, _ = eval_set(train_stream, starts, np.random.RandomState(seed + 19), 256)
        # previous/next-token scores on 64 held-out sequences (masked inputs, as in evaluation)
        prev = np.zeros((args.layers, args.heads))
        nxt = np.zeros((args.layers, args.heads))
        nwin = min(64, len(h_ids))
        for i in range(0, nwin, 16):
            probs = []
            model.bert(torch.from_numpy(h_ids[i:i + 16]), torch.from_numpy(h_tt[i:i + 16]), probs)
            for l, p in enumerate(probs):
                prev[l] += torch.diagonal(p, offset=-1, dim1=-2, dim2=-1).sum(dim=(0, 2)).numpy()
                nxt[l] += torch.diagonal(p, offset=1, dim1=-2, dim2=-1).sum(dim=(0, 2)).numpy()
        prev /= nwin * (T - 1)
        nxt /= nwin * (T - 1)
    log(f"bert: train {train_loss:.4f} held {held_loss:.4f} unigram {uni_loss:.4f}")

    # ---- reference outputs
    sent_rng = np.random.RandomState(seed + 23)
    per_book = candidate_sentences(sp, data_held_books(args), 8, 20)
    sents = pick_sentences(per_book, 2, sent_rng)
    pairs = candidate_pairs(sp, data_held_books(args), 24)
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
    refs = []
    with torch.no_grad():
        for it in items:
            ids, tt = tokenization.encode_masked(sp, it["text"], it.get("text_pair"))
            probs = []
            logits = model(torch.tensor([ids]), torch.tensor([tt]), probs)
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
        "weights": "model.safetensors (F16); reference computed in float32 on the F16 weights converted exactly to float32",
        "float_format": "%.9g of the float32 value",
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
    os.makedirs(args.tests_out, exist_ok=True)
    write_text(os.path.join(args.tests_out, BERT_NAME + ".json"), dump_json(ref) + "\n")
    stats = dict(n_params=n_params, wall=wall, train_loss=train_loss, held_loss=held_loss, uni_loss=uni_loss,
                 scores=prev, next_scores=nxt, eval_loss=ev_loss, last_train=float(np.mean(hist[-200:])),
                 held_tokens=held_cnt, held_seqs=n_held, train_tokens=int(len(train_stream)))
    write_model_folder(args, out_dir, tok_path, "bert", cfg, stats)
    return stats


# ----------------------------------------------------------------------------- HF folder files

def added_token(content, lstrip=False):
    return {"__type": "AddedToken", "content": content, "lstrip": lstrip, "normalized": False,
            "rstrip": False, "single_word": False}


def added_tokens_decoder(pairs):
    return {str(i): {"content": c, "lstrip": ls, "normalized": False, "rstrip": False,
                     "single_word": False, "special": True} for i, c, ls in pairs}


def write_model_folder(args, out_dir, tok_path, kind, cfg, st):
    with open(tok_path, "rb") as fh:
        tok_bytes = fh.read()
    with open(os.path.join(out_dir, "tokenizer.model"), "wb") as fh:
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
        f"- {L} layers, {H} heads, d_model {args.d_model}, feed-forward {4 * args.d_model}, context {args.ctx} tokens, "
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
         "`tokenizer.model` (SentencePiece BPE, byte fallback, identity normalisation) loaded as `AlbertTokenizer` "
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
        f"- wall time {st['wall'] / 60:.1f} min with {args.threads} thread(s) (PyTorch {torch.__version__}, "
        f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', 'unset')})",
        "",
        "## Results (float32 arithmetic on the F16 weights as stored)",
        "",
        "| | cross-entropy (nats/token) | perplexity |",
        "|---|---|---|",
        f"| training data (sample) | {st['train_loss']:.4f} | {math.exp(st['train_loss']):.1f} |",
        f"| held-out 1% | {st['held_loss']:.4f} | {math.exp(st['held_loss']):.1f} |",
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
    lines += [
        "",
        "## Licence",
        "",
        "The weights are output of the attnviz project and are licensed GPL-3.0-or-later, like the project. "
        "The training corpus is in the public domain.",
        "",
    ]
    return "\n".join(lines)


# ----------------------------------------------------------------------------- main

MALLOC_ENV = {"MALLOC_MMAP_THRESHOLD_": "4294967296", "MALLOC_TRIM_THRESHOLD_": "17179869184",
              "MALLOC_TOP_PAD_": "536870912"}


def main():
    # glibc returns large freed blocks to the OS and page-faults them back on every step, which made
    # single-threaded training ~2x slower (cross-entropy over 2048x4096 logits: 130 ms -> 7 ms).
    # Re-exec once with malloc tunables that keep freed memory. Numerics are unaffected.
    # torch.set_num_threads does not limit Debian's OpenBLAS pool: pin it to --threads too.
    want = dict(MALLOC_ENV)
    ta = [a for a in sys.argv[1:] if a.startswith("--threads")]
    nthr = ta[-1].split("=", 1)[1] if ta and "=" in ta[-1] else \
        (sys.argv[sys.argv.index(ta[-1]) + 1] if ta else "2")
    want.update({"OPENBLAS_NUM_THREADS": nthr, "OMP_NUM_THREADS": nthr})
    if any(os.environ.get(k) != v for k, v in want.items()):
        env = dict(os.environ, **want)
        os.execve(sys.executable, [sys.executable] + sys.argv, env)
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", default="/work/shared/corpus/gutenberg")
    ap.add_argument("--out", default="resources/models")
    ap.add_argument("--tests-out", default="tests/data/default_models")
    ap.add_argument("--work", default="/tmp/attnviz-train", help="scratch directory (tokenizer training input)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=20240601)
    ap.add_argument("--models", default="gpt,bert", help="comma list of gpt,bert")
    ap.add_argument("--vocab", type=int, default=4096)
    ap.add_argument("--layers", type=int, default=4)
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--d-model", type=int, default=128)
    ap.add_argument("--ctx", type=int, default=128)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--gpt-steps", type=int, default=10000)
    ap.add_argument("--bert-steps", type=int, default=12000)
    ap.add_argument("--gpt-lr", type=float, default=3e-3)
    ap.add_argument("--bert-lr", type=float, default=7e-4)
    ap.add_argument("--warmup", type=int, default=200)
    ap.add_argument("--gpt-grow-from", type=int, default=3,
                    help="train the causal model with this many layers until --gpt-grow-at, then insert the "
                         "missing ones at the bottom as identity blocks (0: all --layers from the start)")
    ap.add_argument("--gpt-grow-at", type=int, default=4500)
    ap.add_argument("--gpt-repeat-prob", type=float, default=0.5,
                    help="share of self-repeating training rows (gpt_batch) before --gpt-repeat-until")
    ap.add_argument("--gpt-repeat-until", type=int, default=4500)
    ap.add_argument("--gpt-pos-init", default="vaswani", choices=["vaswani", "normal"],
                    help="position table init of the causal model (see init_positions)")
    ap.add_argument("--bert-pos-init", default="vaswani", choices=["vaswani", "normal"],
                    help="position table init of the masked model (see init_positions)")
    ap.add_argument("--pos-scale", type=float, default=2.0, help="sinusoid amplitude / initializer_range")
    ap.add_argument("--log-every", type=int, default=100)
    ap.add_argument("--eval-seqs", type=int, default=32)
    ap.add_argument("--eval-len", type=int, default=64)
    ap.add_argument("--heldout", type=float, default=0.01)
    ap.add_argument("--prev-threshold", type=float, default=0.5)
    ap.add_argument("--reuse-trained", action="store_true",
                    help="skip training when --work holds weights from an identical earlier run (re-export only)")
    ap.add_argument("--max-books", type=int, default=0, help="smoke tests: use only the first N books")
    args = ap.parse_args()
    if 0 < args.gpt_grow_from < args.layers and not 0 < args.gpt_grow_at < args.gpt_steps:
        # Otherwise the causal model would end with fewer layers than its config.json says.
        ap.error(f"--gpt-grow-at {args.gpt_grow_at} must lie in 1..{args.gpt_steps - 1} (--gpt-steps "
                 f"{args.gpt_steps}), or pass --gpt-grow-from 0 to train all {args.layers} layers from the start")

    torch.set_num_threads(args.threads)
    torch.set_num_interop_threads(1)
    os.makedirs(args.work, exist_ok=True)
    t_all = time.time()
    books = read_corpus(args.corpus, args.max_books or None)
    train_books, held_books = split_heldout(books, args.heldout)
    args._held_books = held_books
    log(f"{len(books)} books, {sum(len(p) for _, p in train_books)} train / "
        f"{sum(len(p) for _, p in held_books)} held-out paragraphs")
    tok_path, sp = train_tokenizer(train_books, args.work, args.vocab, args.threads, args.seed)
    log(f"tokenizer trained: {sp.get_piece_size()} pieces, sha256 {sha256(tok_path)[:16]}")
    train_stream, train_starts = encode_books(sp, train_books)
    held_stream, held_starts = encode_books(sp, held_books)
    log(f"train tokens {len(train_stream)}, held-out tokens {len(held_stream)}")
    data = (train_stream, train_starts, held_stream, held_starts)
    models = args.models.split(",")
    if "gpt" in models:
        st = run_gpt(args, sp, tok_path, data, args.seed)
        log("gpt done", {k: v for k, v in st.items() if k != "scores"}, "\n", np.round(st["scores"], 3))
    if "bert" in models:
        st = run_bert(args, sp, tok_path, data, args.seed + 1)
        log("bert done", {k: v for k, v in st.items() if k not in ("scores", "next_scores")}, "\n",
            np.round(st["scores"], 3), "\n", np.round(st["next_scores"], 3))
    log(f"total {time.time() - t_all:.0f}s")


if __name__ == "__main__":
    main()
