# SPDX-License-Identifier: GPL-3.0-or-later
"""Training and evaluation sequences cut from the token streams: GPT rows, BERT sequences and masking."""
import numpy as np
import torch

from tokenization import BOS, CLS, MASK, SEP
from tokenizer_training import N_SPECIAL


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
