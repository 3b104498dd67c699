# SPDX-License-Identifier: GPL-3.0-or-later
"""GPT2LMHeadModel with Hugging Face's module layout and tensor names (attention probabilities on request)."""
import math

import torch
import torch.nn as nn


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
