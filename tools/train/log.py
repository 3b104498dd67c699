# SPDX-License-Identifier: GPL-3.0-or-later
"""Timestamped progress lines of the training scripts."""
import time


def log(*a):
    print(time.strftime("%H:%M:%S"), *a, flush=True)
