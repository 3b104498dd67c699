#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Run a Hugging Face model with transformers and write its attention as an attnviz trace file.

The trace file (docs/trace-format.md) is a .safetensors file with one tensor per layer,
"attention.<layer>" of shape (n_heads, seq_len, seq_len), and a JSON header in
__metadata__["attnviz.trace"]. Open it with `attnviz --trace F` or `attnviz-cli attention --trace F`.

The model runs with eager attention and output_attentions=True (the probabilities after the
softmax, exactly as the model computes them). When `accelerate` is installed the model is loaded
with device_map="auto", so a model larger than one GPU (or than the machine's memory) is spread
over every GPU and the CPU.

usage:
  tools/hf_trace.py --model DIR_OR_NAME --text "..." [--pair "..."] [--dtype f16|f32]
                    [--torch-dtype float32|bfloat16|float16] [--slow-tokenizer] -o FILE
  tools/hf_trace.py --model DIR_OR_NAME --ids 1,15,27 -o FILE
"""
import argparse
import importlib.util
import inspect
import json
import os
import struct
import sys
import tempfile

FORMAT_VERSION = 1
METADATA_KEY = "attnviz.trace"
TORCH_DTYPES = ("float32", "bfloat16", "float16")


def fail(message):
    sys.stderr.write("hf_trace.py: error: " + message.replace("\n", " ") + "\n")
    sys.exit(1)


def parse_args(argv):
    p = argparse.ArgumentParser(prog="hf_trace.py", description=__doc__.split("\n\n")[0])
    p.add_argument("--model", required=True, help="a model folder or a Hugging Face hub name")
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--text", help="the text to run")
    src.add_argument("--ids", help="token ids, comma-separated, instead of text")
    p.add_argument("--pair", help="a second sentence (models that take pairs, e.g. BERT)")
    p.add_argument("--dtype", choices=("f16", "f32"), default="f32",
                   help="how the probabilities are stored (default f32)")
    p.add_argument("--torch-dtype", choices=TORCH_DTYPES, default="float32",
                   help="the dtype the model computes in (default float32)")
    p.add_argument("--slow-tokenizer", action="store_true", help="use_fast=False (the Python tokenizer)")
    p.add_argument("--name", help="the model name the trace shows (default: the folder's or hub name's last part)")
    p.add_argument("-o", "--output", required=True, help="the trace file to write (.safetensors)")
    args = p.parse_args(argv)
    if args.pair is not None and args.text is None:
        p.error("--pair needs --text")
    return args


def load_model(name, torch_dtype):
    import torch
    import transformers
    from transformers import AutoConfig

    config = AutoConfig.from_pretrained(name)
    if getattr(config, "is_encoder_decoder", False):
        fail(f"'{name}' is an encoder-decoder model ({config.model_type}); trace files hold one self-attention stack")
    cls = None
    for arch in getattr(config, "architectures", None) or []:
        cls = getattr(transformers, arch, None)
        if cls is not None:
            break
    if cls is None:
        cls = transformers.AutoModel
    kwargs = {"attn_implementation": "eager", "torch_dtype": getattr(torch, torch_dtype)}
    if importlib.util.find_spec("accelerate") is not None:
        # Spread the layers over every GPU (and the CPU) the machine has.
        kwargs["device_map"] = "auto"
    model = cls.from_pretrained(name, **kwargs)
    model.eval()
    return config, model


def load_tokenizer(name, slow):
    from transformers import AutoTokenizer

    try:
        return AutoTokenizer.from_pretrained(name, use_fast=not slow)
    except Exception as e:  # noqa: BLE001 -- any loader failure is reported as one line
        fail(f"cannot load the tokenizer of '{name}': {type(e).__name__}: {e}")


def _byte_level_decoder():
    """GPT-2's byte-level alphabet (bytes_to_unicode), character -> byte."""
    keep = list(range(ord("!"), ord("~") + 1)) + list(range(0xA1, 0xAD)) + list(range(0xAE, 0x100))
    chars = {b: chr(b) for b in keep}
    n = 0
    for b in range(256):
        if b not in chars:
            chars[b] = chr(256 + n)
            n += 1
    return {c: b for b, c in chars.items()}


BYTE_DECODER = _byte_level_decoder()


def _bytes_text(data):
    """UTF-8 text, with each byte that is not part of a whole character shown as <0xXX>."""
    out = []
    i = 0
    while i < len(data):
        for n in (1, 2, 3, 4):
            try:
                out.append(data[i:i + n].decode("utf-8"))
                i += n
                break
            except UnicodeDecodeError:
                continue
        else:
            out.append(f"<0x{data[i]:02X}>")
            i += 1
    return "".join(out)


def display_text(tokenizer, token_id, special):
    """The readable form attnviz shows: a leading space as '␣'."""
    if tokenizer is None:
        return f"#{token_id}"
    piece = tokenizer.convert_ids_to_tokens(int(token_id))
    if piece is None:
        return f"#{token_id}"
    if special:
        return piece
    if piece.startswith("\u2581"):  # SentencePiece word start
        return piece.replace("\u2581", "\u2423")
    try:
        text = tokenizer.convert_tokens_to_string([piece])
    except Exception:  # noqa: BLE001 -- fall back to the vocabulary string
        text = piece
    if "\ufffd" in text and all(c in BYTE_DECODER for c in piece):
        # A byte-level piece holding part of a character: its bytes, as attnviz shows them.
        text = _bytes_text(bytes(BYTE_DECODER[c] for c in piece))
    return text.replace(" ", "\u2423") if text else piece


def layer_kinds(config, attentions, causal):
    """'global' or 'local:W' per layer, from the config, kept only where the data agrees."""
    n = len(attentions)
    types = getattr(config, "layer_types", None)
    window = getattr(config, "sliding_window", None)
    if getattr(config, "use_sliding_window", True) is False:
        window = None
    if not isinstance(window, int) or window <= 0 or not causal:
        return ["global"] * n
    kinds = []
    for layer, a in enumerate(attentions):
        if types is not None and layer < len(types):
            local = "sliding" in str(types[layer])
        elif config.model_type in ("gemma2", "cohere2"):
            local = layer % 2 == 0
        else:
            local = True
        if local:
            # A causal window of W keys: key j visible from query i when i - W < j <= i.
            T = a.shape[-1]
            for i in range(T):
                if i - window + 1 > 0 and bool((a[:, i, : i - window + 1] != 0).any()):
                    local = False
                    break
        kinds.append(f"local:{window}" if local else "global")
    return kinds


def write_safetensors(path, tensors, metadata):
    """tensors: {name: torch tensor (contiguous, CPU)}; F32 or F16 only."""
    try:
        from safetensors.torch import save_file
    except ImportError:
        save_file = None
    if save_file is not None:
        save_file(tensors, path, metadata=metadata)
        return
    # The format is small enough to write here: u64 header length, the JSON header padded
    # with spaces to a multiple of 8, then the tensors back to back (little-endian).
    header = {"__metadata__": metadata}
    offset = 0
    blobs = []
    for name in sorted(tensors):
        t = tensors[name]
        data = t.numpy().astype(t.numpy().dtype.newbyteorder("<")).tobytes()
        dtype = {"torch.float32": "F32", "torch.float16": "F16"}[str(t.dtype)]
        header[name] = {"dtype": dtype, "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    text = json.dumps(header, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)


def main(argv):
    args = parse_args(argv)
    import torch

    try:
        config, model = load_model(args.model, args.torch_dtype)
    except SystemExit:
        raise
    except Exception as e:  # noqa: BLE001
        fail(f"cannot load the model '{args.model}': {type(e).__name__}: {e}")

    tokenizer = None
    if args.text is not None:
        tokenizer = load_tokenizer(args.model, args.slow_tokenizer)
        if args.pair is not None:
            enc = tokenizer(args.text, args.pair, return_tensors="pt")
        else:
            enc = tokenizer(args.text, return_tensors="pt")
        inputs = dict(enc)
    else:
        try:
            ids = [int(x) for x in args.ids.replace(" ", "").split(",") if x]
        except ValueError:
            fail(f"--ids must be comma-separated integers, got '{args.ids}'")
        if not ids:
            fail("--ids is empty")
        inputs = {"input_ids": torch.tensor([ids]), "attention_mask": torch.ones(1, len(ids), dtype=torch.long)}
        try:
            tokenizer = load_tokenizer(args.model, args.slow_tokenizer)
        except SystemExit:
            tokenizer = None
    accepted = inspect.signature(model.forward).parameters
    inputs = {k: v for k, v in inputs.items() if k in accepted}
    device = next(model.parameters()).device
    inputs = {k: v.to(device) for k, v in inputs.items()}
    ids = inputs["input_ids"][0].tolist()
    if any(t < 0 or t >= config.vocab_size for t in ids):
        fail(f"a token id is outside the model's vocabulary (0..{config.vocab_size - 1})")

    with torch.no_grad():
        out = model(**inputs, output_attentions=True)
    attentions = getattr(out, "attentions", None)
    if not attentions:
        fail(f"'{args.model}' returned no attentions (output_attentions=True is not supported by {type(model).__name__})")
    # (n_heads, T, T) per layer, float32 on the CPU.
    layers = [a[0].detach().to("cpu", torch.float32).contiguous() for a in attentions]
    n_heads = layers[0].shape[0]
    T = len(ids)
    for i, a in enumerate(layers):
        if tuple(a.shape) != (n_heads, T, T):
            fail(f"layer {i} attention has shape {tuple(a.shape)}, expected ({n_heads}, {T}, {T})")
        if not bool(torch.isfinite(a).all()):
            fail(f"layer {i} attention holds NaN or Inf (try --torch-dtype float32)")
    causal = all(bool((torch.triu(a, diagonal=1) == 0).all()) for a in layers) and T > 1
    if T == 1:
        causal = not getattr(config, "is_encoder", False) and config.model_type not in (
            "bert", "roberta", "distilbert", "albert", "electra", "xlm-roberta", "modernbert", "longformer", "deberta")
    mask = "causal" if causal else "bidirectional"

    special_ids = set(getattr(tokenizer, "all_special_ids", []) or []) if tokenizer is not None else set()
    tokens = [{"id": int(t), "text": display_text(tokenizer, t, int(t) in special_ids), "special": int(t) in special_ids}
              for t in ids]
    type_ids = inputs.get("token_type_ids")
    import transformers

    header = {
        "format": "attnviz-trace",
        "version": FORMAT_VERSION,
        "producer": f"tools/hf_trace.py (transformers {transformers.__version__}, torch {torch.__version__})",
        "model": args.name or os.path.basename(os.path.normpath(args.model)),
        "model_type": str(getattr(config, "model_type", "")),
        "architecture": ((getattr(config, "architectures", None) or [type(model).__name__])[0]),
        "dtype": args.dtype.upper(),
        "n_layers": len(layers),
        "n_heads": n_heads,
        "n_kv_heads": int(getattr(config, "num_key_value_heads", None) or n_heads),
        "seq_len": T,
        "requested_mask": "default",
        "mask": mask,
        "default_mask": mask,
        "mask_is_model_default": True,
        "layer_kinds": layer_kinds(config, layers, causal),
        "global_tokens": [],
        "tokens": tokens,
        "token_type_ids": type_ids[0].tolist() if type_ids is not None else None,
    }
    store = torch.float16 if args.dtype == "f16" else torch.float32
    tensors = {f"attention.{i}": a.to(store).contiguous() for i, a in enumerate(layers)}
    metadata = {"format": "pt", METADATA_KEY: json.dumps(header, ensure_ascii=False, separators=(",", ":"))}

    target = os.path.abspath(args.output)
    folder = os.path.dirname(target)
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(target) + ".", suffix=".part", dir=folder)
        os.close(fd)
        write_safetensors(tmp, tensors, metadata)
        os.replace(tmp, target)
    except OSError as e:
        if tmp is not None and os.path.exists(tmp):
            os.unlink(tmp)
        fail(f"cannot write '{args.output}': {e.strerror or e}")
    print(f"wrote {args.output}: {header['model']} ({header['model_type']}), {len(layers)} layers x {n_heads} heads, "
          f"{T} tokens, {mask}, {args.dtype}")


if __name__ == "__main__":
    main(sys.argv[1:])
