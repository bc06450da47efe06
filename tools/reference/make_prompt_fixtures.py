#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Prompt ids as VILA1.5's code builds them, for tests/data/prompts.golden.json:
the conversation rendered by the template (llava/conversation.py), then
tokenizer_image_token() (llava/mm_utils.py, vila1.5 branch): the prompt
split at "<image>", each chunk tokenized with the slow LlamaTokenizer
(legacy=False), one BOS kept, -200 where each image goes. Both functions
are written here from the VILA source's semantics (vila-format.md section 5).

  .venv/bin/python make_prompt_fixtures.py TOKENIZER-DIR OUT   (transformers 4.36.2)
"""
import json
import sys

from transformers import AutoTokenizer

VICUNA_SYSTEM = ("A chat between a curious user and an artificial intelligence assistant. "
                 "The assistant gives helpful, detailed, and polite answers to the user's questions.")
IMAGE_TOKEN_INDEX = -200


def vicuna(message, system=VICUNA_SYSTEM):
    """get_prompt() of sep_style TWO for [USER message, ASSISTANT None]."""
    return f"{system} USER: {message} ASSISTANT:"


def tokenizer_image_token(prompt, tokenizer):
    chunks = [tokenizer(chunk).input_ids for chunk in prompt.split("<image>")]
    ids = []
    offset = 0
    if chunks and chunks[0] and chunks[0][0] == tokenizer.bos_token_id:
        offset = 1
        ids.append(chunks[0][0])
    for index, chunk in enumerate(chunks):
        if index > 0:
            ids.append(IMAGE_TOKEN_INDEX)
        ids.extend(chunk[offset:])
    return ids


def main():
    tokenizer = AutoTokenizer.from_pretrained(sys.argv[1], use_fast=False, legacy=False)
    cases = [
        # (template or raw, segments: strings and None for an image, system)
        ("vicuna_v1", [None, "\nWhat is in the image?"], None),
        ("vicuna_v1", [None, "\nCompare it with ", None, "\nwhich is older?"], None),
        ("vicuna_v1", ["Just text, no image."], "You answer in one word."),
        ("vicuna_v1", [None, None, "\nThe two photos:  what differs?"], None),
        ("raw", [None, "The company is famous for its search engine.", None, "The company is famous for"], None),
    ]
    out = []
    for template, segments, system in cases:
        message = "".join("<image>" if s is None else s for s in segments)
        if template == "raw":
            prompt = message
        else:
            prompt = vicuna(message, system or VICUNA_SYSTEM)
        out.append({"template": template, "segments": segments, "system": system,
                    "ids": tokenizer_image_token(prompt, tokenizer)})
    with open(sys.argv[2], "w") as f:
        json.dump(out, f, indent=1, ensure_ascii=False)
        f.write("\n")


if __name__ == "__main__":
    main()
