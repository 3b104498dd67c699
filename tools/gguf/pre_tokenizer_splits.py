#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Writes tests/data/gguf_pre_tokenizer_splits.json: how the BPE pre-tokenizers
attnviz runs for GGUF files (tokenizer.ggml.pre) split texts, computed with
Python's `regex` module (the engine the Hugging Face slow tokenizers use) on
the patterns of the models' tokenizer.json files.

Each pre-tokenizer is a list of patterns applied in turn, every one splitting
each piece into its matches and the gaps between them (Hugging Face's
Split(..., behavior="Isolated"); the last is ByteLevel's use_regex split,
which behaves the same on text). Texts are put in NFC first (GPT-NeoX's and
Qwen2's normalizer; the split itself is what is checked).

Run with the oracle's interpreter:  . /work/oracle/env.sh; $PY tools/gguf/pre_tokenizer_splits.py LLAMA_CPP_INP
where LLAMA_CPP_INP is llama.cpp's models/ggml-vocab-llama-bpe.gguf.inp (its
tokenizer test texts, from convert_hf_to_gguf_update.py); a few more texts
are listed below.
"""
import json
import sys
import unicodedata

import regex

GPT2 = r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""
LLAMA3 = r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"""
QWEN2 = r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"""

PRE_TOKENIZERS = {
    "gpt-2": [GPT2],
    "llama-bpe": [LLAMA3],
    "qwen2": [QWEN2],
    "starcoder": [r"\p{N}", GPT2],
}

EXTRA_TEXTS = [
    "Hello world",
    "I'M SURE THEY'LL GO, WE'VE SEEN IT'S DONE",
    "1234567 apples, 89 pears; 3.14159",
    "  leading\n\n\ttabs\r\nand trailing   ",
    "Ünïcödé wörds — and ſ'S or 'Ss, it'ſ",
    "東京は雨です。明日は晴れ。",
    "emoji 🦙🦙 and flags 🇫🇷 ok",
    "x\u00a0y\u2003z\u3000w",
    "def f(x):\n    return x**2  # comment\n",
    "١٢٣٤ Arabic-Indic digits ²³ superscripts",
]


def isolate(pattern, pieces):
    out = []
    for piece in pieces:
        pos = 0
        for m in regex.finditer(pattern, piece):
            if m.start() == m.end():
                continue
            if m.start() > pos:
                out.append(piece[pos:m.start()])
            out.append(m.group(0))
            pos = m.end()
        if pos < len(piece):
            out.append(piece[pos:])
    return out


def main():
    texts = []
    if len(sys.argv) > 1:
        raw = open(sys.argv[1], encoding="utf-8").read()
        texts += [t for t in raw.split("\n__ggml_vocab_test__\n") if t]
    texts += EXTRA_TEXTS
    texts = [unicodedata.normalize("NFC", t) for t in texts]
    cases = []
    for name, patterns in PRE_TOKENIZERS.items():
        for text in texts:
            words = [text]
            for p in patterns:
                words = isolate(p, words)
            cases.append({"pre": name, "text": text, "words": words})
    out = {
        "made_by": "tools/gguf/pre_tokenizer_splits.py (Python regex " + regex.__version__ + ") on llama.cpp's "
                   "models/ggml-vocab-llama-bpe.gguf.inp texts and the script's own",
        "patterns": PRE_TOKENIZERS,
        "cases": cases,
    }
    json.dump(out, sys.stdout, ensure_ascii=False, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
