#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""What a user would otherwise run: Hugging Face transformers' generate() on
the language model of vila-cli bench's synthetic shapes (random weights,
fp16, on the GPU), batch 1, greedy. Prints one JSON line per model with
time to first token for the prompt and decode tokens per second, for
tools/gpu-check's table. Not part of CI."""
import json
import sys
import time

import torch
from transformers import LlamaConfig, LlamaForCausalLM

# The same shapes as engine/bench.c.
SHAPES = {
    "vila1.5-3b": dict(hidden_size=2560, intermediate_size=6912, num_hidden_layers=32, num_attention_heads=20,
                       num_key_value_heads=20, vocab_size=32000, max_position_embeddings=4096, rope_theta=10000.0),
    "llama3-vila1.5-8b": dict(hidden_size=4096, intermediate_size=14336, num_hidden_layers=32,
                              num_attention_heads=32, num_key_value_heads=8, vocab_size=128256,
                              max_position_embeddings=8192, rope_theta=500000.0),
}


def timed_generate(model, ids, new_tokens):
    torch.cuda.synchronize()
    start = time.perf_counter()
    model.generate(ids, max_new_tokens=new_tokens, min_new_tokens=new_tokens, do_sample=False)
    torch.cuda.synchronize()
    return time.perf_counter() - start


def main():
    prompt, new_tokens = 260, 64
    for name in sys.argv[1:] or SHAPES:
        config = LlamaConfig(**SHAPES[name], torch_dtype=torch.float16)
        with torch.device("cuda"):
            model = LlamaForCausalLM(config).half().eval()
        ids = torch.randint(100, 30000, (1, prompt), device="cuda")
        with torch.inference_mode():
            timed_generate(model, ids, 2)                      # warm-up
            first = min(timed_generate(model, ids, 1) for _ in range(3))
            whole = timed_generate(model, ids, new_tokens)
        print(json.dumps({"model": name, "engine": "transformers", "prompt_tokens": prompt,
                          "ttft_ms": first * 1000, "decode_tok_s": (new_tokens - 1) / (whole - first)}),
              flush=True)
        del model
        torch.cuda.empty_cache()


if __name__ == "__main__":
    main()
