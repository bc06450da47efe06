#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Adds the "restored" case to tests/data/checkpoints/vila15-tiny/golden.json:
a conversation continued from stored text, as VILA's reference rebuilds
every prompt: get_prompt() of the whole conversation (earlier answers as
their text, "ASSISTANT: answer</s>USER: ...") through
tokenizer_image_token, then the logits of its last position
(logits-restored.bin) and 32 greedy tokens. The checkpoint is the one
make_vila_fixtures.py wrote, loaded in float32 from its bf16 files; the
other cases are left as they are.

  .venv-nvila/bin/python make_restored_fixture.py DATA-DIR   (tests/data)
"""
import json
import os
import sys

import torch
from transformers import AutoTokenizer, LlamaForCausalLM

from make_prompt_fixtures import VICUNA_SYSTEM, tokenizer_image_token

TURNS = ["Tell me a story about a lighthouse.", "Why did the keeper stay?"]
ANSWERS = ["Once there was a keeper who never slept, and the ships always came home."]


def main():
    root = os.path.join(sys.argv[1], "checkpoints", "vila15-tiny")
    llm = LlamaForCausalLM.from_pretrained(os.path.join(root, "llm"), torch_dtype=torch.float32).eval()
    tokenizer = AutoTokenizer.from_pretrained(os.path.join(root, "llm"), use_fast=False, legacy=False)

    # sep_style TWO: role + ": " + message + sep, the last role bare.
    prompt = VICUNA_SYSTEM + " "
    for index, question in enumerate(TURNS):
        prompt += "USER: " + question + " ASSISTANT:"
        if index < len(ANSWERS):
            prompt += " " + ANSWERS[index] + "</s>"
    ids = tokenizer_image_token(prompt, tokenizer)
    with torch.no_grad():
        inputs = torch.tensor([ids])
        logits = llm(inputs).logits[0, -1]
        greedy = llm.generate(inputs, attention_mask=torch.ones_like(inputs), max_new_tokens=32,
                              do_sample=False, eos_token_id=2, pad_token_id=0)[0, len(ids):].tolist()
    logits.numpy().astype("<f4").tofile(os.path.join(root, "logits-restored.bin"))

    path = os.path.join(root, "golden.json")
    with open(path) as f:
        golden = json.load(f)
    golden["cases"] = [c for c in golden["cases"] if c["name"] != "restored"]
    golden["cases"].append({"name": "restored", "images": [], "turns": TURNS, "answer_texts": ANSWERS,
                            "answers": [], "prompt_ids": ids, "greedy": greedy})
    with open(path, "w") as f:
        json.dump(golden, f, indent=1)


if __name__ == "__main__":
    main()
