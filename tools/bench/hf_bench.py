#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Hugging Face side of the attnviz benchmark: the same model folder, token
count and thread count as `attnviz-cli bench`, one forward pass of the base
model with eager attention and output_attentions=True (what a user would
otherwise run), under torch.inference_mode().

It needs the reference transformers of ../shared/oracle: source its env.sh
first (tools/bench/compare.sh does). It prints the same fields as
`attnviz-cli bench`: median and min milliseconds per run.

  /usr/bin/python3 tools/bench/hf_bench.py --model DIR --tokens N --repeat K --threads T
  /usr/bin/python3 tools/bench/hf_bench.py --sgemm bert|gpt2 --tokens N --repeat K --threads T
    (--sgemm: the machine's sgemm rate, numpy/OpenBLAS, over the GEMMs of one
     forward pass of that shape; prints GFLOP/s)
"""
import argparse
import os
import statistics
import sys
import time


def _pin_threads():
    """torch.set_num_threads() does not reach Debian's OpenBLAS (its pool is
    sized when the library loads), so both pools are sized from --threads
    before torch and numpy load. OMP_WAIT_POLICY=passive is Hugging Face's
    best setting on these libraries (its OpenMP and OpenBLAS pools otherwise
    fight over the cores); attnviz runs with no such variable."""
    threads = "1"
    for i, a in enumerate(sys.argv):
        if a == "--threads" and i + 1 < len(sys.argv):
            threads = sys.argv[i + 1]
    os.environ["OPENBLAS_NUM_THREADS"] = threads
    os.environ["OMP_NUM_THREADS"] = threads
    os.environ.setdefault("OMP_WAIT_POLICY", "passive")


_pin_threads()

import numpy as np  # noqa: E402
import torch  # noqa: E402


def report(ms, tokens, extra=""):
    ms.sort()
    print(f"tokens     {tokens}")
    print(f"repeat     {len(ms)}")
    print(f"median     {statistics.median(ms):.2f} ms")
    print(f"min        {ms[0]:.2f} ms")
    if extra:
        print(extra)


def run_model(args):
    from transformers import AutoConfig, AutoModel

    config = AutoConfig.from_pretrained(args.model, local_files_only=True)
    model = AutoModel.from_pretrained(args.model, local_files_only=True, attn_implementation="eager",
                                      torch_dtype=torch.float32)
    model.eval()
    gen = torch.Generator().manual_seed(1234)
    ids = torch.randint(0, config.vocab_size, (1, args.tokens), generator=gen)
    with torch.inference_mode():
        out = model(input_ids=ids, output_attentions=True)  # warm-up
        assert len(out.attentions) == config.num_hidden_layers
        ms = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            out = model(input_ids=ids, output_attentions=True)
            ms.append((time.perf_counter() - t0) * 1000.0)
    report(ms, args.tokens, f"torch      {torch.__version__}, {torch.get_num_threads()} threads")


def pass_gemms(shape, t):
    """(m, n, k, count) of every GEMM in one forward pass of a BERT-base or
    GPT-2-small-shaped model at t tokens: the projections of 12 layers and
    each head's Q K^T and P V."""
    d, ff, layers, heads = 768, 3072, 12, 12
    hd = d // heads
    if shape == "bert":
        proj = [(t, d, d, 3), (t, d, d, 1)]  # separate Q, K, V; output
    else:
        proj = [(t, 3 * d, d, 1), (t, d, d, 1)]  # fused QKV; output
    proj += [(t, ff, d, 1), (t, d, ff, 1)]
    attn = [(t, t, hd, heads), (t, hd, t, heads)]
    return [(m, n, k, c * layers) for (m, n, k, c) in proj + attn]


def run_sgemm(args):
    gemms = pass_gemms(args.sgemm, args.tokens)
    rng = np.random.default_rng(1)
    mats = [(rng.standard_normal((m, k), dtype=np.float32), rng.standard_normal((k, n), dtype=np.float32), c)
            for (m, n, k, c) in gemms]
    flops = sum(2.0 * m * n * k * c for (m, n, k, c) in gemms)

    def one_pass():
        for a, b, c in mats:
            for _ in range(c):
                np.matmul(a, b)

    one_pass()
    ms = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        one_pass()
        ms.append((time.perf_counter() - t0) * 1000.0)
    best = min(ms)
    report(ms, args.tokens, f"gflop      {flops / 1e9:.2f}\nrate       {flops / best / 1e6:.1f} GFLOP/s")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model")
    p.add_argument("--sgemm", choices=["bert", "gpt2"])
    p.add_argument("--tokens", type=int, required=True)
    p.add_argument("--repeat", type=int, default=10)
    p.add_argument("--threads", type=int, default=1)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    if args.sgemm:
        run_sgemm(args)
    elif args.model:
        run_model(args)
    else:
        p.error("give --model DIR or --sgemm SHAPE")


if __name__ == "__main__":
    main()
