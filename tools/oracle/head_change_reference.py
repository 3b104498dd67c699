#!/usr/bin/env python3
# Expected head changes between two golden runs of the same tokens under two
# masks (the model's own and bidirectional): for every (layer, head), the mean
# over query rows of the Jensen-Shannon divergence (natural log) between the
# two runs' rows, each row first divided by its sum; computed in float64 with
# numpy from the definition JSD(P, Q) = KL(P||M)/2 + KL(Q||M)/2, M = (P+Q)/2.
#
#   python3 tools/oracle/head_change_reference.py ../shared/golden/attention > tests/data/head_changes.json
#
# SPDX-License-Identifier: GPL-3.0-or-later
import json
import sys
from pathlib import Path

import numpy as np

golden = Path(sys.argv[1])
pairs = [("gpt2__in2__default", "gpt2__in2__bidirectional"),
         ("llama__in1__default", "llama__in1__bidirectional"),
         ("stories260K__in1__default", "stories260K__in1__bidirectional")]


def kl(p, m):
    mask = p > 0
    return float(np.sum(p[mask] * np.log(p[mask] / m[mask])))


out = {"how": "tools/oracle/head_change_reference.py: numpy " + np.__version__ +
              ", float64, mean over rows of JSD (natural log) between the golden cases' rows",
       "cases": []}
for a_name, b_name in pairs:
    a = np.array(json.loads((golden / f"{a_name}.json").read_text())["attention"], dtype=np.float64)  # (L, H, T, T)
    b = np.array(json.loads((golden / f"{b_name}.json").read_text())["attention"], dtype=np.float64)
    a = a / a.sum(axis=-1, keepdims=True)
    b = b / b.sum(axis=-1, keepdims=True)
    L, H, T, _ = a.shape
    heads = []
    for l in range(L):
        for h in range(H):
            js = []
            for i in range(T):
                m = 0.5 * (a[l, h, i] + b[l, h, i])
                js.append(0.5 * kl(a[l, h, i], m) + 0.5 * kl(b[l, h, i], m))
            heads.append({"layer": l, "head": h, "mean_jsd": float(np.mean(js))})
    out["cases"].append({"a": a_name, "b": b_name, "heads": heads})
json.dump(out, sys.stdout, indent=1)
sys.stdout.write("\n")
