# SPDX-License-Identifier: GPL-3.0-or-later
"""Writers of the output files: F16 safetensors, deterministic JSON with %.9g floats, text, sha256."""
import hashlib
import json
import math
import struct

import numpy as np
import torch


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


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        h.update(fh.read())
    return h.hexdigest()
