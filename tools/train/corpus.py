# SPDX-License-Identifier: GPL-3.0-or-later
"""The training corpus: books read as paragraphs, the held-out split, and token streams."""
import os
import re

import numpy as np

# The project's shared data folder lies next to the repository (as ATTNVIZ_SHARED_DIR in CMakeLists.txt).
DEFAULT_CORPUS = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..",
                                               "shared", "corpus", "gutenberg"))


def check_corpus(corpus_dir):
    """One line naming the folder and what is wrong with it, or None when it holds .txt books."""
    if not os.path.isdir(corpus_dir):
        return f"--corpus {corpus_dir}: no such folder (pass the folder of the corpus .txt files)"
    if not any(f.endswith(".txt") for f in os.listdir(corpus_dir)):
        return f"--corpus {corpus_dir}: holds no .txt files (pass the folder of the corpus .txt files)"
    return None


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


def encode_books(sp, books):
    """Concatenate per-paragraph encodings into one stream; remember paragraph starts."""
    ids, starts = [], []
    for _, paras in books:
        enc = sp.encode(paras)
        for e in enc:
            starts.append(len(ids))
            ids.extend(e)
    return np.asarray(ids, dtype=np.int64), np.asarray(starts, dtype=np.int64)
