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

This file is the command line; the work is done by
  corpus.py (books, held-out split, token streams), tokenizer_training.py, gpt2_model.py and
  bert_model.py (the HF architectures in PyTorch), batches.py and recipe.py (training sequences,
  schedule, optimizer), train_gpt.py and train_bert.py (one stage each: train, export, evaluate,
  reference outputs), sentences.py (reference sentences), export.py and hf_folder.py (the files written).
"""
import argparse
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from corpus import DEFAULT_CORPUS, check_corpus, encode_books, read_corpus, split_heldout  # noqa: E402
from export import sha256  # noqa: E402
from log import log  # noqa: E402
from tokenizer_training import train_tokenizer  # noqa: E402
from train_bert import run_bert  # noqa: E402
from train_gpt import run_gpt  # noqa: E402

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
    ap.add_argument("--corpus", default=DEFAULT_CORPUS,
                    help="folder of the corpus .txt files (default: <repository>/../shared/corpus/gutenberg)")
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
    ap.add_argument("--long-ctx", type=int, default=1024,
                    help="after the first stage, grow the position tables to this many rows and train on "
                         "(long_context.py); --long-ctx 128 or --long-steps 0 skips the stage")
    ap.add_argument("--long-models", default="gpt,bert",
                    help="comma list of the models that get the long-context stage (gpt,bert)")
    ap.add_argument("--long-steps", type=int, default=4000,
                    help="steps of the long-context stage: even steps are first-stage batches, odd steps "
                         "--long-batch sequences of --long-ctx tokens")
    ap.add_argument("--long-batch", type=int, default=2)
    ap.add_argument("--long-lr-scale", type=float, default=0.2,
                    help="peak learning rate of the long-context stage / the first stage's peak")
    ap.add_argument("--long-pos-lr-scale", type=float, default=1.0,
                    help="peak learning rate of the position table in the long-context stage / the first "
                         "stage's peak (its new rows start untrained)")
    ap.add_argument("--long-warmup", type=int, default=100)
    for kind, init in (("gpt", "continue"), ("bert", "tile")):
        ap.add_argument(f"--long-init-{kind}", choices=("continue", "tile"), default=init,
                        help=f"how the {kind} model's new position rows start: the first stage's initialisation "
                             "continued, or the trained rows repeated (long_context.extend_positions)")
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

    corpus_error = check_corpus(args.corpus)
    if corpus_error:
        ap.error(corpus_error)

    torch.set_num_threads(args.threads)
    torch.set_num_interop_threads(1)
    os.makedirs(args.work, exist_ok=True)
    t_all = time.time()
    books = read_corpus(args.corpus, args.max_books or None)
    train_books, held_books = split_heldout(books, args.heldout)
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
        st = run_gpt(args, sp, tok_path, data, held_books, args.seed)
        log("gpt done", {k: v for k, v in st.items() if k != "scores"}, "\n", np.round(st["scores"], 3))
    if "bert" in models:
        st = run_bert(args, sp, tok_path, data, held_books, args.seed + 1)
        log("bert done", {k: v for k, v in st.items() if k not in ("scores", "next_scores")}, "\n",
            np.round(st["scores"], 3), "\n", np.round(st["next_scores"], 3))
    log(f"total {time.time() - t_all:.0f}s")


if __name__ == "__main__":
    main()
