#!/usr/bin/env python3
# Expected attention flow (Abnar & Zuidema 2020) of golden attention cases,
# computed with networkx's Edmonds-Karp maximum flow on the layer graph the
# paper's code builds: nodes (l, t) for l = 0..L; the edge (l+1, a) -> (l, b)
# has capacity B_l[a][b] = rownorm(mean_h(A_lh) + I)[a][b]; the flow of row i
# from input j is maxflow((L, i) -> (0, j)), the row then divided by its sum.
#
#   PYTHONPATH=<networkx source>:$PYTHONPATH python3 tools/oracle/attention_flow_reference.py \
#       ../shared/golden/attention > tests/data/attention_flow.json
#
# SPDX-License-Identifier: GPL-3.0-or-later
import json
import sys
from pathlib import Path

import networkx as nx
import numpy as np

golden = Path(sys.argv[1])
cases = ["bert__in1__default", "gpt2__in2__default", "stories260K__in1__default"]
out = {"how": "tools/oracle/attention_flow_reference.py: networkx " + nx.__version__ +
              " maximum_flow_value (edmonds_karp), float64, on the golden cases' attention",
       "cases": []}
for name in cases:
    att = np.array(json.loads((golden / f"{name}.json").read_text())["attention"], dtype=np.float64)  # (L, H, T, T)
    L, _, T, _ = att.shape
    mixed = att.mean(axis=1) + np.eye(T)[None]
    mixed = mixed / mixed.sum(axis=-1, keepdims=True)  # (L, T, T)
    g = nx.DiGraph()
    for l in range(L):
        for a in range(T):
            for b in range(T):
                if mixed[l, a, b] > 0:
                    g.add_edge((l + 1, a), (l, b), capacity=float(mixed[l, a, b]))
    flow = np.zeros((T, T))
    for i in range(T):
        for j in range(T):
            flow[i, j] = nx.maximum_flow_value(g, (L, i), (0, j), flow_func=nx.algorithms.flow.edmonds_karp)
        flow[i] /= flow[i].sum()
    out["cases"].append({"case": name, "flow": flow.tolist()})
json.dump(out, sys.stdout)
print()
