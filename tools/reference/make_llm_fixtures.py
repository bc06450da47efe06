#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Tiny language models with random weights, and what transformers computes
with them, for tests/data/llm/<variant>/:

  config.json, model.safetensors  as save_pretrained writes them (BF16)
  logits.bin                      float32 [n_ids][vocab], every position
  golden.json                     the ids, and 32 greedy tokens after the
                                  first 10 ids (generate, do_sample=False)

The reference runs in float32 on the BF16-rounded weights, as our CPU
backend does. Variants: Llama with GQA, Llama with llama3, linear and dynamic
(NTK) rope scaling, Qwen2 (q/k/v biases, tied embeddings).

  .venv-nvila/bin/python make_llm_fixtures.py OUT   (transformers 4.46.3, torch)
"""
import json
import os
import sys

import numpy as np
import torch
from transformers import LlamaConfig, LlamaForCausalLM, Qwen2Config, Qwen2ForCausalLM

COMMON = dict(hidden_size=64, intermediate_size=96, num_hidden_layers=2, num_attention_heads=4,
              num_key_value_heads=2, vocab_size=512, max_position_embeddings=256,
              initializer_range=0.1)

VARIANTS = {
    "llama": (LlamaForCausalLM, LlamaConfig(**COMMON, rms_norm_eps=1e-5, rope_theta=10000.0,
                                            tie_word_embeddings=False)),
    "llama3-rope": (LlamaForCausalLM, LlamaConfig(**COMMON, rms_norm_eps=1e-5, rope_theta=500000.0,
                                                  rope_scaling={"rope_type": "llama3", "factor": 8.0,
                                                                "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                                                                "original_max_position_embeddings": 64})),
    "qwen2": (Qwen2ForCausalLM, Qwen2Config(**COMMON, rms_norm_eps=1e-6, rope_theta=1000000.0,
                                            tie_word_embeddings=True, use_sliding_window=False)),
    "linear-rope": (LlamaForCausalLM, LlamaConfig(**COMMON, rms_norm_eps=1e-5, rope_theta=10000.0,
                                                  rope_scaling={"type": "linear", "factor": 4.0})),
    # A trained context of 24 so that the 40 ids (and greedy decoding past
    # position 24) take the dynamic NTK base.
    "dynamic-rope": (LlamaForCausalLM, LlamaConfig(**dict(COMMON, max_position_embeddings=24), rms_norm_eps=1e-5,
                                                   rope_theta=10000.0,
                                                   rope_scaling={"type": "dynamic", "factor": 2.0})),
}


def main():
    out = sys.argv[1]
    for index, (name, (cls, config)) in enumerate(VARIANTS.items()):
        folder = os.path.join(out, name)
        torch.manual_seed(100 + index)
        model = cls(config).to(torch.bfloat16)
        # Qwen2 initialises its biases to zero; give them values that matter.
        with torch.no_grad():
            for pname, p in model.named_parameters():
                if pname.endswith(".bias") or "norm" in pname:
                    p.add_(torch.randn_like(p) * 0.1)
        model.save_pretrained(folder, safe_serialization=True)

        reference = cls.from_pretrained(folder, torch_dtype=torch.float32).eval()
        generator = torch.Generator().manual_seed(7 + index)
        ids = torch.randint(3, config.vocab_size, (1, 40), generator=generator)
        with torch.no_grad():
            logits = reference(ids).logits[0].float().numpy()
            greedy = reference.generate(ids[:, :10], max_new_tokens=32, do_sample=False, eos_token_id=None,
                                        pad_token_id=0, min_new_tokens=32)
        logits.astype("<f4").tofile(os.path.join(folder, "logits.bin"))
        for extra in ("generation_config.json",):
            path = os.path.join(folder, extra)
            if os.path.exists(path):
                os.remove(path)
        with open(os.path.join(folder, "golden.json"), "w") as f:
            json.dump({"ids": ids[0].tolist(), "logits_shape": list(logits.shape),
                       "greedy_prompt": ids[0, :10].tolist(), "greedy": greedy[0, 10:].tolist(),
                       "transformers": __import__("transformers").__version__,
                       "torch": torch.__version__}, f, indent=1)
            f.write("\n")


if __name__ == "__main__":
    main()
