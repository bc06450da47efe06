#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Trains small tokenizers in the real formats with the real libraries and
records the reference ids for tests/data/tokenizers/.

  make_tokenizer_fixtures.py sentencepiece OUT   (transformers 4.36.2: VILA1.5's reference)
  make_tokenizer_fixtures.py bpe OUT             (transformers 4.46.3: NVILA's reference)

Run through tools/reference/make-tokenizer-fixtures.sh, which sets up both
virtualenvs. Each fixture is a folder laid out as in a checkpoint's llm/,
and <name>.golden.jsonl beside it holds, per string:
  text          the input
  ids           tokenizer(text).input_ids            (special tokens added and parsed)
  ids_plain     ... add_special_tokens=False
  ids_split     ... add_special_tokens=False, split_special_tokens=True
                (special-token text is plain text, as for user input)
  decoded       tokenizer.decode(ids_plain)
  decoded_skip  tokenizer.decode(ids, skip_special_tokens=True)
and, for a string holding U+0000, <name>_hex with its UTF-8 bytes in hex.
"""
import io
import json
import os
import sys

import tokenizer_strings

LLAMA3_PATTERN = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}|"
                  r" ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+")
QWEN2_PATTERN = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}|"
                 r" ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+")


def write_goldens(tokenizer, path):
    with open(path, "w", encoding="utf-8") as out:
        for text in tokenizer_strings.all_strings():
            ids = tokenizer(text).input_ids
            plain = tokenizer(text, add_special_tokens=False).input_ids
            split = tokenizer(text, add_special_tokens=False, split_special_tokens=True).input_ids
            record = {
                "text": text,
                "ids": ids,
                "ids_plain": plain,
                "ids_split": split,
                "decoded": tokenizer.decode(plain),
                "decoded_skip": tokenizer.decode(ids, skip_special_tokens=True),
            }
            # JSON strings in C end at U+0000: give such strings as hex too.
            for key in ("text", "decoded", "decoded_skip"):
                if "\0" in record[key]:
                    record[key + "_hex"] = record[key].encode("utf-8").hex()
            out.write(json.dumps(record, ensure_ascii=False) + "\n")


def make_sentencepiece(out):
    import sentencepiece as spm
    from transformers import AutoTokenizer

    folder = os.path.join(out, "llama2-sp")
    os.makedirs(folder, exist_ok=True)
    model = io.BytesIO()
    # Llama-2's trainer settings, read from its tokenizer.model trainer_spec.
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(tokenizer_strings.training_corpus()),
        model_writer=model,
        model_type="bpe",
        vocab_size=2000,
        character_coverage=0.99995,
        byte_fallback=True,
        split_digits=True,
        split_by_unicode_script=True,
        split_by_whitespace=True,
        split_by_number=True,
        allow_whitespace_only_pieces=True,
        max_sentencepiece_length=16,
        add_dummy_prefix=True,
        remove_extra_whitespaces=False,
        normalization_rule_name="identity",
        unk_id=0, bos_id=1, eos_id=2, pad_id=-1,
        num_threads=1,
        minloglevel=2,
    )
    with open(os.path.join(folder, "tokenizer.model"), "wb") as f:
        f.write(model.getvalue())

    special = {"bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>"}
    added = {str(i): {"content": c, "lstrip": False, "normalized": False, "rstrip": False,
                      "single_word": False, "special": True}
             for i, c in enumerate(["<unk>", "<s>", "</s>"])}
    config = dict(special, add_bos_token=True, add_eos_token=False, legacy=False,
                  clean_up_tokenization_spaces=False, model_max_length=4096,
                  pad_token=None, sp_model_kwargs={}, tokenizer_class="LlamaTokenizer",
                  added_tokens_decoder=added)
    with open(os.path.join(folder, "tokenizer_config.json"), "w") as f:
        json.dump(config, f, indent=2)
    with open(os.path.join(folder, "special_tokens_map.json"), "w") as f:
        json.dump(special, f, indent=2)

    # As VILA1.5's builder loads it: slow LlamaTokenizer, legacy=False.
    tokenizer = AutoTokenizer.from_pretrained(folder, use_fast=False, legacy=False)
    assert type(tokenizer).__name__ == "LlamaTokenizer", type(tokenizer)
    write_goldens(tokenizer, os.path.join(out, "llama2-sp.golden.jsonl"))


def make_llama2_fast(out, name, legacy):
    """Llama-2's tokenizer.json as transformers converts the slow one: with
    legacy=True the form of the hub's Llama-2 files (normalizer Prepend +
    Replace), with legacy=False a Metaspace pre-tokenizer with
    prepend_scheme "first". Both: byte-fallback BPE, Strip decoder. The
    folder has no tokenizer.model, so tokenizer.json is what loads."""
    from transformers import LlamaTokenizerFast

    folder = os.path.join(out, name)
    fast = LlamaTokenizerFast.from_pretrained(os.path.join(out, "llama2-sp"), from_slow=True, legacy=legacy)
    fast.save_pretrained(folder, legacy_format=False)
    if os.path.exists(os.path.join(folder, "tokenizer.model")):
        os.remove(os.path.join(folder, "tokenizer.model"))
    # Reloading a legacy=False config would rebuild it from tokenizer.model;
    # the tokenizer that wrote tokenizer.json is the reference.
    write_goldens(fast, os.path.join(out, name + ".golden.jsonl"))


def train_byte_level(pattern, normalizer, ignore_merges):
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, trainers

    tokenizer = Tokenizer(models.BPE(ignore_merges=ignore_merges))
    if normalizer == "NFC":
        tokenizer.normalizer = normalizers.NFC()
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(pattern), behavior="isolated", invert=False),
        pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=True, use_regex=False),
    ])
    tokenizer.decoder = decoders.ByteLevel(add_prefix_space=True, trim_offsets=True, use_regex=True)
    trainer = trainers.BpeTrainer(vocab_size=2000, show_progress=False,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tokenizer.train_from_iterator(tokenizer_strings.training_corpus(), trainer)
    return tokenizer


def make_llama3(out):
    from tokenizers import processors
    from transformers import AutoTokenizer, PreTrainedTokenizerFast

    folder = os.path.join(out, "llama3-bpe")
    tokenizer = train_byte_level(LLAMA3_PATTERN, None, ignore_merges=True)
    # Llama-3 numbers its special tokens after the merged vocabulary.
    specials = ["<|begin_of_text|>", "<|end_of_text|>", "<|reserved_special_token_0|>",
                "<|reserved_special_token_1|>", "<|reserved_special_token_2|>",
                "<|reserved_special_token_3|>", "<|start_header_id|>", "<|end_header_id|>",
                "<|reserved_special_token_4|>", "<|eot_id|>"]
    tokenizer.add_special_tokens(specials)
    bos = tokenizer.token_to_id("<|begin_of_text|>")
    tokenizer.post_processor = processors.Sequence([
        processors.ByteLevel(trim_offsets=False),
        processors.TemplateProcessing(
            single="<|begin_of_text|> $A",
            pair="<|begin_of_text|> $A <|begin_of_text|> $B:1",
            special_tokens=[("<|begin_of_text|>", bos)]),
    ])
    fast = PreTrainedTokenizerFast(tokenizer_object=tokenizer, bos_token="<|begin_of_text|>",
                                   eos_token="<|end_of_text|>", clean_up_tokenization_spaces=True,
                                   model_max_length=8192)
    fast.save_pretrained(folder, legacy_format=False)
    write_goldens(AutoTokenizer.from_pretrained(folder), os.path.join(out, "llama3-bpe.golden.jsonl"))


def make_qwen2(out):
    from tokenizers import AddedToken, processors
    from transformers import AutoTokenizer, Qwen2TokenizerFast

    tokenizer = train_byte_level(QWEN2_PATTERN, "NFC", ignore_merges=False)
    tokenizer.add_special_tokens(["<|endoftext|>", "<|im_start|>", "<|im_end|>"])
    tokenizer.post_processor = processors.ByteLevel(trim_offsets=False)
    fast = Qwen2TokenizerFast(tokenizer_object=tokenizer, bos_token=None,
                              eos_token="<|im_end|>", pad_token="<|endoftext|>",
                              unk_token=None, clean_up_tokenization_spaces=False,
                              errors="replace", model_max_length=32768)
    # NVILA's media tokens (llava/constants.py), added as special tokens.
    fast.add_tokens([AddedToken(t, special=True, normalized=False)
                     for t in ["[BOS]", "[PAD]", "<vila/sentinel>", "<image>", "<vila/video>"]],
                    special_tokens=True)

    # The same tokenizer twice: as tokenizer.json, and as the vocab.json +
    # merges.txt + added_tokens.json files that NVILA's llm/ folders hold.
    json_folder = os.path.join(out, "qwen2-bpe")
    fast.save_pretrained(json_folder, legacy_format=False)
    write_goldens(AutoTokenizer.from_pretrained(json_folder), os.path.join(out, "qwen2-bpe.golden.jsonl"))

    vocab_folder = os.path.join(out, "qwen2-vocab")
    fast.save_pretrained(vocab_folder, legacy_format=True)
    if os.path.exists(os.path.join(vocab_folder, "tokenizer.json")):
        os.remove(os.path.join(vocab_folder, "tokenizer.json"))
    reference = AutoTokenizer.from_pretrained(vocab_folder)
    write_goldens(reference, os.path.join(out, "qwen2-vocab.golden.jsonl"))


def main():
    kind, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    if kind == "sentencepiece":
        make_sentencepiece(out)
    elif kind == "bpe":
        make_llama3(out)
        make_qwen2(out)
        make_llama2_fast(out, "llama2-fast-legacy", legacy=True)
        make_llama2_fast(out, "llama2-fast", legacy=False)
    else:
        sys.exit(f"unknown kind {kind}")


if __name__ == "__main__":
    main()
