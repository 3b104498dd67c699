# SPDX-License-Identifier: GPL-3.0-or-later
"""Held-out sentences and sentence pairs for the reference outputs."""
import re

ABBREV = re.compile(r"(?:^|\s)(?:Mr|Mrs|Dr|St|Mme|Mlle|Messrs|Capt|Col|Gen|Rev|Lt|Jr|Sr|Prof|No|[A-Z])\.$")


def split_sentences(p):
    """Split a paragraph after . ! ? followed by whitespace, but not after abbreviations like Mr."""
    out = []
    for frag in re.split(r"(?<=[.!?])\s+", p):
        if out and ABBREV.search(out[-1]):
            out[-1] += " " + frag
        else:
            out.append(frag)
    return out


def candidate_sentences(sp, held_books, lo, hi):
    """Short plain-ASCII sentences from the held-out paragraphs, one list per book."""
    per_book = []
    for _, paras in held_books:
        c = []
        for p in paras:
            for s in split_sentences(p):
                if not re.fullmatch(r"[A-Z][A-Za-z ,;']+[a-z][.!?]", s):
                    continue
                if len(s.split()) < 6:
                    continue
                n = len(sp.encode(s))
                if lo <= n <= hi:
                    c.append(s)
        per_book.append(c)
    return per_book


def candidate_pairs(sp, held_books, max_total):
    """Consecutive sentence pairs (A, B) of one held-out paragraph, plain ASCII, with
    len(A) + len(B) + 3 specials <= max_total tokens."""
    out = []
    for _, paras in held_books:
        for p in paras:
            ss = split_sentences(p)
            for a, b in zip(ss, ss[1:]):
                if all(re.fullmatch(r"[A-Z][A-Za-z ,;']+[a-z][.!?]", x) and len(x.split()) >= 3 for x in (a, b)):
                    if len(sp.encode(a)) + len(sp.encode(b)) + 3 <= max_total:
                        out.append((a, b))
    return out


def pick_sentences(per_book, k, rng):
    """k sentences, from k different books when there are enough books."""
    books = [i for i, c in enumerate(per_book) if c]
    if len(books) >= k:
        chosen = sorted(rng.choice(len(books), size=k, replace=False))
        return [per_book[books[i]][rng.randint(0, len(per_book[books[i]]))] for i in chosen]
    flat = [s for c in per_book for s in c]
    return [flat[i] for i in sorted(rng.choice(len(flat), size=k, replace=False))]
