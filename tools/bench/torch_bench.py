#!/usr/bin/python3
"""PyTorch side of the attnviz benchmark: the same model folder, token count
and thread count as `attnviz-cli bench`, a forward pass with every layer's
attention probabilities returned (as transformers' eager attention with
output_attentions=True does), under torch.inference_mode().

transformers is not installed on these machines, so the BERT and GPT-2 blocks
are written out here following the Hugging Face modelling code (eager path).
Weights are read from model.safetensors with numpy (F32/F16/BF16).

usage: /usr/bin/python3 tools/bench/torch_bench.py --model DIR --tokens N --repeat K --threads T
"""
import argparse
import json
import math
import os
import statistics
import struct
import sys
import time


def _pin_blas_threads():
    """torch.set_num_threads() does not reach Debian's OpenBLAS: its thread pool
    is sized from OPENBLAS_NUM_THREADS when the library loads (default: every
    core). Set it from --threads before numpy and torch load OpenBLAS, so both
    sides of the comparison really run on the same number of threads."""
    threads = "2"
    for i, a in enumerate(sys.argv):
        if a == "--threads" and i + 1 < len(sys.argv):
            threads = sys.argv[i + 1]
        elif a.startswith("--threads="):
            threads = a.split("=", 1)[1]
    os.environ["OPENBLAS_NUM_THREADS"] = threads
    os.environ["OMP_NUM_THREADS"] = threads


_pin_blas_threads()

import numpy as np  # noqa: E402  (after the thread pinning above)
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402


def load_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        base = 8 + n
    raw = np.memmap(path, dtype=np.uint8, mode="r")
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        b, e = info["data_offsets"]
        buf = raw[base + b: base + e]
        if info["dtype"] == "F32":
            arr = buf.view(np.float32)
        elif info["dtype"] == "F16":
            arr = buf.view(np.float16).astype(np.float32)
        elif info["dtype"] == "BF16":
            arr = (buf.view(np.uint16).astype(np.uint32) << 16).view(np.float32)
        else:
            raise SystemExit(f"unsupported dtype {info['dtype']}")
        out[name] = torch.from_numpy(np.array(arr).reshape(info["shape"]))
    return out


def strip_prefix(weights, prefixes):
    for p in prefixes:
        if any(k.startswith(p) for k in weights):
            return {k[len(p):] if k.startswith(p) else k: v for k, v in weights.items()}
    return weights


def bert_forward(w, cfg, ids, types):
    d, nh = cfg["hidden_size"], cfg["num_attention_heads"]
    hd, eps, T = d // nh, cfg.get("layer_norm_eps", 1e-12), ids.shape[1]
    pos = torch.arange(T).unsqueeze(0)
    x = w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][pos] + \
        w["embeddings.token_type_embeddings.weight"][types]
    x = F.layer_norm(x, (d,), w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"], eps)
    attentions = []
    for l in range(cfg["num_hidden_layers"]):
        p = f"encoder.layer.{l}."
        def heads(t):
            return t.view(1, T, nh, hd).permute(0, 2, 1, 3)
        q = heads(F.linear(x, w[p + "attention.self.query.weight"], w[p + "attention.self.query.bias"]))
        k = heads(F.linear(x, w[p + "attention.self.key.weight"], w[p + "attention.self.key.bias"]))
        v = heads(F.linear(x, w[p + "attention.self.value.weight"], w[p + "attention.self.value.bias"]))
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(hd)
        probs = torch.softmax(scores, dim=-1)
        attentions.append(probs)
        ctx = torch.matmul(probs, v).permute(0, 2, 1, 3).reshape(1, T, d)
        a = F.linear(ctx, w[p + "attention.output.dense.weight"], w[p + "attention.output.dense.bias"])
        x = F.layer_norm(a + x, (d,), w[p + "attention.output.LayerNorm.weight"], w[p + "attention.output.LayerNorm.bias"], eps)
        h = F.gelu(F.linear(x, w[p + "intermediate.dense.weight"], w[p + "intermediate.dense.bias"]))
        o = F.linear(h, w[p + "output.dense.weight"], w[p + "output.dense.bias"])
        x = F.layer_norm(o + x, (d,), w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"], eps)
    return x, attentions


def gelu_new(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))


def gpt2_forward(w, cfg, ids, types):
    d, nh = cfg["n_embd"], cfg["n_head"]
    hd, eps, T = d // nh, cfg.get("layer_norm_epsilon", 1e-5), ids.shape[1]
    causal = torch.tril(torch.ones(T, T, dtype=torch.bool)).view(1, 1, T, T)
    x = w["wte.weight"][ids] + w["wpe.weight"][torch.arange(T).unsqueeze(0)]
    attentions = []
    for l in range(cfg["n_layer"]):
        p = f"h.{l}."
        h = F.layer_norm(x, (d,), w[p + "ln_1.weight"], w[p + "ln_1.bias"], eps)
        qkv = torch.addmm(w[p + "attn.c_attn.bias"], h.view(-1, d), w[p + "attn.c_attn.weight"]).view(1, T, 3 * d)
        q, k, v = (t.view(1, T, nh, hd).permute(0, 2, 1, 3) for t in qkv.split(d, dim=2))
        scores = torch.matmul(q, k.transpose(-1, -2)) / torch.full([], hd ** 0.5)
        scores = torch.where(causal, scores, torch.full([], torch.finfo(scores.dtype).min))
        probs = torch.softmax(scores, dim=-1)
        attentions.append(probs)
        ctx = torch.matmul(probs, v).permute(0, 2, 1, 3).reshape(T, d)
        x = x + torch.addmm(w[p + "attn.c_proj.bias"], ctx, w[p + "attn.c_proj.weight"]).view(1, T, d)
        h = F.layer_norm(x, (d,), w[p + "ln_2.weight"], w[p + "ln_2.bias"], eps)
        m = gelu_new(torch.addmm(w[p + "mlp.c_fc.bias"], h.view(-1, d), w[p + "mlp.c_fc.weight"]))
        x = x + torch.addmm(w[p + "mlp.c_proj.bias"], m, w[p + "mlp.c_proj.weight"]).view(1, T, d)
    x = F.layer_norm(x, (d,), w["ln_f.weight"], w["ln_f.bias"], eps)
    return x, attentions


def rope_tables(cfg, T, hd):
    theta = cfg.get("rope_theta", 10000.0)
    inv = 1.0 / (theta ** (torch.arange(0, hd, 2, dtype=torch.int64).float() / hd))
    rs = cfg.get("rope_scaling") or {}
    kind = rs.get("rope_type", rs.get("type"))
    if kind == "linear":
        inv = inv / rs["factor"]
    elif kind == "llama3":
        old, lo, hi, f = rs["original_max_position_embeddings"], rs["low_freq_factor"], rs["high_freq_factor"], rs["factor"]
        wavelen = 2 * math.pi / inv
        scaled = torch.where(wavelen > old / lo, inv / f, inv)
        smooth = (old / wavelen - lo) / (hi - lo)
        smoothed = (1 - smooth) * scaled / f + smooth * scaled
        medium = ~(wavelen < old / hi) & ~(wavelen > old / lo)
        inv = torch.where(medium, smoothed, scaled)
    freqs = torch.arange(T).float()[:, None] * inv[None, :]
    emb = torch.cat((freqs, freqs), dim=-1)
    return emb.cos(), emb.sin()


def rotate_half(x):
    h = x.shape[-1] // 2
    return torch.cat((-x[..., h:], x[..., :h]), dim=-1)


def llama_forward(w, cfg, ids, types):
    d, nh = cfg["hidden_size"], cfg["num_attention_heads"]
    nkv = cfg.get("num_key_value_heads", nh)
    hd = cfg.get("head_dim", d // nh)
    eps, T = cfg.get("rms_norm_eps", 1e-6), ids.shape[1]
    cos, sin = rope_tables(cfg, T, hd)
    causal = torch.full((T, T), torch.finfo(torch.float32).min).triu(1)

    def rms(x, g):
        return g * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps))

    x = w["embed_tokens.weight"][ids]
    attentions = []
    for l in range(cfg["num_hidden_layers"]):
        p = f"layers.{l}."
        h = rms(x, w[p + "input_layernorm.weight"])
        q = F.linear(h, w[p + "self_attn.q_proj.weight"], w.get(p + "self_attn.q_proj.bias")).view(1, T, nh, hd).transpose(1, 2)
        k = F.linear(h, w[p + "self_attn.k_proj.weight"], w.get(p + "self_attn.k_proj.bias")).view(1, T, nkv, hd).transpose(1, 2)
        v = F.linear(h, w[p + "self_attn.v_proj.weight"], w.get(p + "self_attn.v_proj.bias")).view(1, T, nkv, hd).transpose(1, 2)
        q, k = q * cos + rotate_half(q) * sin, k * cos + rotate_half(k) * sin
        k = k.repeat_interleave(nh // nkv, dim=1)
        v = v.repeat_interleave(nh // nkv, dim=1)
        scores = torch.matmul(q, k.transpose(2, 3)) * hd ** -0.5 + causal
        probs = torch.softmax(scores, dim=-1, dtype=torch.float32)
        attentions.append(probs)
        ctx = torch.matmul(probs, v).transpose(1, 2).reshape(1, T, nh * hd)
        x = x + F.linear(ctx, w[p + "self_attn.o_proj.weight"])
        h = rms(x, w[p + "post_attention_layernorm.weight"])
        x = x + F.linear(F.silu(F.linear(h, w[p + "mlp.gate_proj.weight"])) * F.linear(h, w[p + "mlp.up_proj.weight"]),
                         w[p + "mlp.down_proj.weight"])
    return rms(x, w["norm.weight"]), attentions


def check_against_attnviz(args, att, ids):
    """Same weights, same ids: the two implementations must agree."""
    import subprocess
    out = subprocess.run([args.check, "attention", "--model", args.model, "--ids", ",".join(map(str, ids[0].tolist()))],
                         check=True, capture_output=True, text=True).stdout
    ours = json.loads(out)["attention"]
    worst = max(float((torch.tensor(ours[l]) - att[l][0]).abs().max()) for l in range(len(att)))
    print(f"check      max |attnviz - torch| = {worst:.2e}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--tokens", type=int, default=128)
    ap.add_argument("--repeat", type=int, default=10)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--check", metavar="ATTNVIZ_CLI", help="also compare the attention with attnviz-cli's on the same ids")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    cfg = json.load(open(os.path.join(args.model, "config.json")))
    mt = cfg["model_type"]
    t0 = time.perf_counter()
    w = load_safetensors(os.path.join(args.model, "model.safetensors"))
    if mt == "bert":
        w, fwd, vocab = strip_prefix(w, ["bert."]), bert_forward, cfg["vocab_size"]
    elif mt == "gpt2":
        w, fwd, vocab = strip_prefix(w, ["transformer."]), gpt2_forward, cfg["vocab_size"]
    elif mt in ("llama", "mistral", "qwen2"):
        w, fwd, vocab = strip_prefix(w, ["model."]), llama_forward, cfg["vocab_size"]
    else:
        raise SystemExit(f"model_type {mt} not covered by this script (bert, gpt2, llama)")
    load_ms = (time.perf_counter() - t0) * 1000
    g = torch.Generator().manual_seed(1234)
    ids = torch.randint(0, vocab, (1, args.tokens), generator=g)
    types = torch.zeros_like(ids)
    times = []
    with torch.inference_mode():
        fwd(w, cfg, ids, types)  # warm-up
        for _ in range(args.repeat):
            s = time.perf_counter()
            _, att = fwd(w, cfg, ids, types)
            times.append((time.perf_counter() - s) * 1000)
    assert len(att) == (cfg.get("num_hidden_layers") or cfg.get("n_layer"))
    if args.check:
        check_against_attnviz(args, att, ids)
    print(f"model      {os.path.basename(os.path.normpath(args.model))} ({mt})")
    print(f"backend    torch {torch.__version__}, {torch.get_num_threads()} threads, "
          f"OPENBLAS_NUM_THREADS={os.environ['OPENBLAS_NUM_THREADS']}, "
          f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '(unset)')}")
    print(f"load       {load_ms:.1f} ms")
    print(f"tokens     {args.tokens}\nrepeat     {args.repeat}")
    print(f"median     {statistics.median(times):.2f} ms\nmin        {min(times):.2f} ms")


if __name__ == "__main__":
    main()
