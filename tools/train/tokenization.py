# SPDX-License-Identifier: GPL-3.0-or-later
"""Reference text -> ids convention of attnviz's default models (see tools/train/README.md).

This is the Python side the C++ tokenizer replicates.  It follows what the
`transformers` slow tokenizers do with the shipped tokenizer_config.json files:

* causal model (LlamaTokenizer, legacy=true, add_bos_token=true, add_eos_token=false):
    special literals <unk> <s> </s> <pad> are cut out of the text (no whitespace
    stripping around them), every other non-empty chunk is encoded with
    SentencePiece as is, then <s> (id 1) is prepended.
* masked model (AlbertTokenizer, remove_space=true, do_lower_case=false, keep_accents=true):
    special literals <unk> <pad> [CLS] [SEP] [MASK] are cut out of the text;
    [MASK] has lstrip=true, so whitespace directly before it is dropped;
    every other chunk is preprocessed (" ".join(chunk.split()), then `` and ''
    replaced by ") and, if non-empty, encoded with SentencePiece;
    result [CLS] A [SEP] (token types 0) or [CLS] A [SEP] B [SEP] (B [SEP] type 1).
"""
import re

UNK, BOS, EOS, PAD, CLS, SEP, MASK = 0, 1, 2, 3, 4, 5, 6

CAUSAL_SPECIALS = {"<unk>": UNK, "<s>": BOS, "</s>": EOS, "<pad>": PAD}
MASKED_SPECIALS = {"<unk>": UNK, "<pad>": PAD, "[CLS]": CLS, "[SEP]": SEP, "[MASK]": MASK}
LSTRIP = {"[MASK]"}


def split_specials(text, specials):
    """Leftmost-longest split of text on special literals -> list of (is_special, str)."""
    pat = re.compile("|".join(re.escape(s) for s in sorted(specials, key=lambda s: (-len(s), s))))
    out, pos = [], 0
    for m in pat.finditer(text):
        out.append((False, text[pos:m.start()]))
        out.append((True, m.group(0)))
        pos = m.end()
    out.append((False, text[pos:]))
    # lstrip: a special with lstrip=True removes trailing whitespace of the chunk before it
    for i, (sp, s) in enumerate(out):
        if sp and s in LSTRIP and i > 0 and not out[i - 1][0]:
            out[i - 1] = (False, out[i - 1][1].rstrip())
    return [(sp, s) for sp, s in out if sp or s]


def _encode_chunks(sp, text, specials, prep):
    ids = []
    for is_special, s in split_specials(text, specials):
        if is_special:
            ids.append(specials[s])
        else:
            s = prep(s)
            if s:
                ids.extend(sp.encode(s))
    return ids


def encode_causal(sp, text):
    return [BOS] + _encode_chunks(sp, text, CAUSAL_SPECIALS, lambda s: s)


def albert_preprocess(s):
    s = " ".join(s.strip().split())           # remove_space=True (Python str.split whitespace)
    s = s.replace("``", '"').replace("''", '"')
    return s                                   # keep_accents=True, do_lower_case=False: nothing else


def encode_masked(sp, text, text_pair=None):
    a = _encode_chunks(sp, text, MASKED_SPECIALS, albert_preprocess)
    ids = [CLS] + a + [SEP]
    tt = [0] * len(ids)
    if text_pair is not None:
        b = _encode_chunks(sp, text_pair, MASKED_SPECIALS, albert_preprocess)
        ids += b + [SEP]
        tt += [1] * (len(b) + 1)
    return ids, tt
