# SPDX-License-Identifier: GPL-3.0-or-later
"""BertForMaskedLM with Hugging Face's module layout and tensor names (attention probabilities on request)."""
import math

import torch
import torch.nn as nn


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
