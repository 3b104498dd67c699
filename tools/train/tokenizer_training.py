# SPDX-License-Identifier: GPL-3.0-or-later
"""Training of the SentencePiece BPE tokenizer shared by both default models."""
import os

import sentencepiece as spm

from tokenization import BOS, EOS, PAD, UNK

# Fixed SentencePiece id layout (LlamaTokenizer's fast converter assumes 0/1/2 = <unk>/<s>/</s>);
# the special ids themselves are defined in tokenization.py.
N_SPECIAL = 7          # ids 0..6 are specials, 7..262 the 256 byte-fallback pieces
FIRST_NORMAL = N_SPECIAL + 256


def train_tokenizer(train_books, work, vocab_size, threads, seed):
    path = os.path.join(work, "spm_input.txt")
    # digits are rare in the corpus: require them as pieces (those that occur at all; SentencePiece
    # aborts on a required character with zero frequency, which only matters for --max-books runs)
    present = set()
    for _, paras in train_books:
        for p in paras:
            present.update(c for c in p if "0" <= c <= "9")
    required = "".join(sorted(present))
    with open(path, "w", encoding="utf-8") as fh:
        for _, paras in train_books:
            for p in paras:
                # long paragraphs are cut into <= ~2000 character lines at spaces
                words, line = p.split(" "), []
                n = 0
                for w in words:
                    if n + len(w) > 2000 and line:
                        fh.write(" ".join(line) + "\n")
                        line, n = [], 0
                    line.append(w)
                    n += len(w) + 1
                if line:
                    fh.write(" ".join(line) + "\n")
    prefix = os.path.join(work, "tokenizer")
    spm.set_random_generator_seed(seed)
    # the trainer_spec stored inside tokenizer.model records input and model_prefix: use
    # relative names (cwd = work dir) so the file does not depend on where --work is
    cwd = os.getcwd()
    os.chdir(work)
    try:
        _train_spm(vocab_size, threads, required)
    finally:
        os.chdir(cwd)
    sp = spm.SentencePieceProcessor(model_file=prefix + ".model")
    assert [sp.id_to_piece(i) for i in range(N_SPECIAL)] == \
        ["<unk>", "<s>", "</s>", "<pad>", "[CLS]", "[SEP]", "[MASK]"]
    assert sp.id_to_piece(N_SPECIAL) == "<0x00>" and sp.id_to_piece(FIRST_NORMAL - 1) == "<0xFF>"
    return prefix + ".model", sp


def _train_spm(vocab_size, threads, required):
    spm.SentencePieceTrainer.train(
        input="spm_input.txt", model_prefix="tokenizer", model_type="bpe", vocab_size=vocab_size,
        character_coverage=0.9995, required_chars=required, byte_fallback=True, split_digits=True,
        normalization_rule_name="identity", remove_extra_whitespaces=False, add_dummy_prefix=True,
        unk_id=UNK, bos_id=BOS, eos_id=EOS, pad_id=PAD,
        unk_piece="<unk>", bos_piece="<s>", eos_piece="</s>", pad_piece="<pad>",
        control_symbols="[CLS],[SEP],[MASK]",
        input_sentence_size=0, shuffle_input_sentence=False,
        max_sentence_length=8192, num_threads=threads, minloglevel=2)
