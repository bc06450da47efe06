#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""A byte-level BPE vocabulary of Qwen2's size (151,643 tokens and 151,387
merges) in Qwen2's files, built by merging random pairs of existing tokens
instead of training: to measure how long loading a vocabulary of that size
takes, in seconds, where training one takes an hour on this machine.
Its merges are meaningless, so encode speed measured on it is not that of
a real vocabulary.

  python3 make_synthetic_bpe.py OUT
"""
import json
import os
import random
import sys

SIZE = 151643


def byte_alphabet():
    printable = list(range(ord("!"), ord("~") + 1)) + list(range(0xA1, 0xAD)) + list(range(0xAE, 0x100))
    chars, extra = [], 0
    for b in range(256):
        if b in printable:
            chars.append(chr(b))
        else:
            chars.append(chr(256 + extra))
            extra += 1
    return chars


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    rng = random.Random(151643)
    tokens = byte_alphabet()
    vocab = {t: i for i, t in enumerate(tokens)}
    merges = []
    while len(tokens) < SIZE:
        # Short tokens merge more often, as in trained vocabularies.
        a = tokens[min(int(rng.expovariate(1 / 3000)), len(tokens) - 1)]
        b = tokens[min(int(rng.expovariate(1 / 3000)), len(tokens) - 1)]
        merged = a + b
        if len(merged) > 16 or merged in vocab:
            continue
        vocab[merged] = len(tokens)
        tokens.append(merged)
        merges.append(f"{a} {b}")
    with open(os.path.join(out, "vocab.json"), "w", encoding="utf-8") as f:
        json.dump(vocab, f, ensure_ascii=False)
    with open(os.path.join(out, "merges.txt"), "w", encoding="utf-8") as f:
        f.write("#version: 0.2\n" + "\n".join(merges) + "\n")
    with open(os.path.join(out, "tokenizer_config.json"), "w") as f:
        json.dump({"tokenizer_class": "Qwen2Tokenizer", "clean_up_tokenization_spaces": False}, f)


if __name__ == "__main__":
    main()
