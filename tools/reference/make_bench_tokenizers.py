#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Makes tokenizers of real sizes for `vila-cli bench --tokenizer`: a 32,000
piece SentencePiece BPE (Llama-2's size and settings) and a byte-level BPE
of about 151,000 tokens in Qwen2's layout (vocab.json + merges.txt, and
tokenizer.json). Real checkpoints cannot be downloaded here, so they are
trained on Python's documentation plus made-up words that give the trainer
enough distinct words to reach those sizes. Not committed (tens of MB);
written to the folder given as the argument.

  .venv-nvila/bin/python make_bench_tokenizers.py OUT [llama2|qwen2]"""
import io
import os
import pkgutil
import pydoc
import random
import sys
import warnings

warnings.filterwarnings("ignore")


def corpus(full=True):
    """Python's documentation (full) or our small training text, plus
    made-up words."""
    lines = []
    if not full:
        import tokenizer_strings
        lines.extend(tokenizer_strings.training_corpus())
    modules = sorted(m.name for m in pkgutil.iter_modules() if not m.name.startswith("_")) if full else []
    for module in modules:
        if module in {"antigravity", "this", "idlelib", "turtledemo", "tkinter", "test"}:
            continue
        try:
            text = pydoc.render_doc(module, renderer=pydoc.plaintext)
        except Exception:
            continue
        lines.extend(line.strip() for line in text.splitlines() if line.strip())
    rng = random.Random(7)
    syllables = [a + b for a in "bcdfghjklmnprstvwz" for b in ["a", "e", "i", "o", "u", "ai", "ou", "ei"]]
    for _ in range(400000):
        words = ["".join(rng.choice(syllables) for _ in range(rng.randint(2, 5))) for _ in range(8)]
        lines.append(" ".join(words))
    return lines


def main():
    out = sys.argv[1]
    only = sys.argv[2] if len(sys.argv) > 2 else None
    os.makedirs(out, exist_ok=True)
    # The 150k byte-level BPE trains in minutes on the small corpus; the
    # 32k SentencePiece wants Python's documentation.
    lines = corpus(full=only != "qwen2")
    print(f"corpus: {len(lines)} lines, {sum(map(len, lines)) / 1e6:.1f} MB", flush=True)
    if only != "qwen2":
        make_sentencepiece(out, lines)
    if only != "llama2":
        make_qwen2(out, lines)


def make_sentencepiece(out, lines):
    import sentencepiece as spm
    folder = os.path.join(out, "llama2-32k")
    os.makedirs(folder, exist_ok=True)
    model = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(lines), model_writer=model, model_type="bpe", vocab_size=32000,
        character_coverage=0.99995, byte_fallback=True, split_digits=True,
        allow_whitespace_only_pieces=True, max_sentencepiece_length=16, add_dummy_prefix=True,
        remove_extra_whitespaces=False, normalization_rule_name="identity",
        unk_id=0, bos_id=1, eos_id=2, pad_id=-1, num_threads=2, minloglevel=2,
        input_sentence_size=2000000, shuffle_input_sentence=True)
    with open(os.path.join(folder, "tokenizer.model"), "wb") as f:
        f.write(model.getvalue())
    print("llama2-32k done", flush=True)


def make_qwen2(out, lines):
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, trainers
    from transformers import Qwen2TokenizerFast
    import make_tokenizer_fixtures as fixtures
    tokenizer = Tokenizer(models.BPE())
    tokenizer.normalizer = normalizers.NFC()
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(fixtures.QWEN2_PATTERN), behavior="isolated", invert=False),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)])
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=151643, show_progress=False,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tokenizer.train_from_iterator(lines, trainer)
    tokenizer.add_special_tokens(["<|endoftext|>", "<|im_start|>", "<|im_end|>"])
    fast = Qwen2TokenizerFast(tokenizer_object=tokenizer, bos_token=None, eos_token="<|im_end|>",
                              pad_token="<|endoftext|>", unk_token=None)
    fast.save_pretrained(os.path.join(out, "qwen2-150k"), legacy_format=True)
    print(f"qwen2-150k done: {tokenizer.get_vocab_size()} tokens", flush=True)


if __name__ == "__main__":
    main()
