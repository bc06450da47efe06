#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""A tiny VILA1.5 checkpoint in the real three-part layout, and what the
reference pipeline computes with it, for tests/data/checkpoints/vila15-tiny:

  config.json                 llm_cfg, vision_tower_cfg, mm_projector_cfg embedded
  llm/                        LlamaForCausalLM (GQA), BF16, sharded with an index,
                              and the SentencePiece tokenizer of the fixtures
  vision_tower/               SiglipVisionModel (30 px, patch 4: a 7x7 grid with a
                              remainder), BF16, preprocessor_config.json
  mm_projector/               mlp_downsample, column-major (the vila1.5 code)
and tests/data/checkpoints/vila7b-tiny, VILA-7B's flat layout (Llama + CLIP +
mlp2x_gelu in one file, "pad" preprocessing), with the same golden files.
  golden.json                 per case (one image, interleaved, text only, multi-turn):
                              the prompt ids (-200 per image), 32 greedy tokens
  logits-CASE.bin             float32 logits of the prompt's last position

The pipeline is VILA1.5's run_vila.py written out from the source's
semantics (vila-format.md sections 2-5): process_image "resize" (PIL
bicubic), SiglipImageProcessor, hidden_states[-2] with cls_patch, the
projector, the vicuna_v1 prompt through tokenizer_image_token, features
spliced at -200, then greedy generation, all in float32.

  .venv-nvila/bin/python make_vila_fixtures.py DATA-DIR   (tests/data; transformers 4.46.3, torch)
"""
import json
import os
import shutil
import sys

import torch
from PIL import Image
from safetensors.torch import save_file
from transformers import (AutoTokenizer, LlamaConfig, LlamaForCausalLM, SiglipImageProcessor,
                          SiglipVisionConfig, SiglipVisionModel)

from make_prompt_fixtures import tokenizer_image_token, vicuna
from make_vision_fixtures import LLM_HIDDEN, downsample_2x2, linear

import torch.nn.functional as F


def make_vila15(data):
    root = os.path.join(data, "checkpoints", "vila15-tiny")
    shutil.rmtree(root, ignore_errors=True)
    llm_dir, tower_dir, proj_dir = (os.path.join(root, d) for d in ("llm", "vision_tower", "mm_projector"))
    for d in (llm_dir, tower_dir, proj_dir):
        os.makedirs(d)
    torch.manual_seed(31)

    llm_config = LlamaConfig(hidden_size=LLM_HIDDEN, intermediate_size=96, num_hidden_layers=2,
                             num_attention_heads=4, num_key_value_heads=2, vocab_size=2000,
                             max_position_embeddings=512, rms_norm_eps=1e-5, initializer_range=0.1,
                             bos_token_id=1, eos_token_id=2)
    llm = LlamaForCausalLM(llm_config).to(torch.bfloat16)
    llm.save_pretrained(llm_dir, safe_serialization=True, max_shard_size="300KB")
    for name in ("tokenizer.model", "tokenizer_config.json", "special_tokens_map.json"):
        shutil.copy(os.path.join(data, "tokenizers", "llama2-sp", name), llm_dir)

    tower_config = SiglipVisionConfig(hidden_size=32, intermediate_size=48, num_hidden_layers=3,
                                      num_attention_heads=2, image_size=30, patch_size=4,
                                      layer_norm_eps=1e-6, hidden_act="gelu_pytorch_tanh")
    tower = SiglipVisionModel(tower_config).to(torch.bfloat16)
    with torch.no_grad():
        for name, p in tower.named_parameters():
            if "norm" in name or name.endswith("bias"):
                p.add_(torch.randn_like(p) * 0.1)
    tower.save_pretrained(tower_dir, safe_serialization=True)
    processor = SiglipImageProcessor(size={"height": 30, "width": 30}, image_mean=[0.5] * 3,
                                     image_std=[0.5] * 3, resample=3, rescale_factor=1 / 255)
    processor.save_pretrained(tower_dir)

    c = tower_config.hidden_size
    weights = {"layers.1.weight": 1 + 0.1 * torch.randn(4 * c), "layers.1.bias": 0.1 * torch.randn(4 * c),
               "layers.2.weight": 0.3 * torch.randn(LLM_HIDDEN, 4 * c), "layers.2.bias": 0.1 * torch.randn(LLM_HIDDEN),
               "layers.4.weight": 0.3 * torch.randn(LLM_HIDDEN, LLM_HIDDEN), "layers.4.bias": 0.1 * torch.randn(LLM_HIDDEN)}
    weights = {k: v.to(torch.bfloat16) for k, v in weights.items()}
    save_file({k: v.contiguous() for k, v in weights.items()}, os.path.join(proj_dir, "model.safetensors"),
              metadata={"format": "pt"})
    with open(os.path.join(proj_dir, "config.json"), "w") as f:
        json.dump({"mm_projector_type": "mlp_downsample", "model_type": "v2l_projector"}, f, indent=1)

    config = {"architectures": ["LlavaLlamaModel"], "model_type": "llava_llama", "mm_hidden_size": c,
              "image_aspect_ratio": "resize", "mm_vision_select_layer": -2,
              "mm_vision_select_feature": "cls_patch", "llm_cfg": llm_config.to_dict(),
              "vision_tower_cfg": tower_config.to_dict(),
              "mm_projector_cfg": {"mm_projector_type": "mlp_downsample"}}
    with open(os.path.join(root, "config.json"), "w") as f:
        json.dump(config, f, indent=1)

    # The reference pipeline, in float32 on the stored weights.
    llm = LlamaForCausalLM.from_pretrained(llm_dir, torch_dtype=torch.float32).eval()
    tower = SiglipVisionModel.from_pretrained(tower_dir, torch_dtype=torch.float32).eval()
    w = {k: v.float() for k, v in weights.items()}
    tokenizer = AutoTokenizer.from_pretrained(llm_dir, use_fast=False, legacy=False)

    def embed_image(name):
        image = Image.open(os.path.join(data, "images", name)).convert("RGB")
        image = image.resize((30, 30))                     # process_image, "resize"
        pixels = processor(image, return_tensors="pt").pixel_values
        features = tower(pixels, output_hidden_states=True).hidden_states[-2][0]
        x = downsample_2x2(features, column_major=True)
        x = F.layer_norm(x, (4 * c,), w["layers.1.weight"], w["layers.1.bias"], 1e-5)
        return linear(F.gelu(linear(x, w["layers.2.weight"], w["layers.2.bias"])),
                      w["layers.4.weight"], w["layers.4.bias"])

    write_goldens(root, llm, tokenizer, embed_image, [
        ("one-image", ["odd-321x217.ppm"], ["<image>\nWhat is in the image?"]),
        ("interleaved", ["odd-321x217.ppm", "tall-60x500.ppm"],
         ["The first picture: <image>\nThe second one: <image>\nHow do they differ?"]),
        ("text-only", [], ["Tell me a story about a lighthouse."]),
        ("multi-turn", ["odd-321x217.ppm", "small-200x150.ppm"],
         ["<image>\nWhat is in the image?", "Why?", "And this one? <image>\n"]),
    ])


def write_goldens(root, llm, tokenizer, embed_image, cases):
    """Per case: the vicuna_v1 prompt through tokenizer_image_token, each
    image's embeddings spliced at its -200, the logits of the prompt's last
    position (logits-NAME.bin) and 32 greedy tokens (golden.json).

    A case of several turns answers each earlier turn with up to 8 greedy
    tokens, kept as generated ids (a chat's KV cache holds them so), then
    the next turn's text as it follows an answer: the "</s>" suffix (once,
    when the answer already ended with it) and "USER: ... ASSISTANT:"
    tokenized without BOS. Its logits are computed from scratch over the
    whole conversation, which a cached session must equal."""
    goldens = []
    embed = llm.get_input_embeddings()
    for name, images, turns in cases:
        ids, answers = [], []
        embeds = iter([embed_image(image) for image in images])
        with torch.no_grad():
            for index, question in enumerate(turns):
                if index == 0:
                    ids += tokenizer_image_token(vicuna(question), tokenizer)
                else:
                    follow = tokenizer_image_token("</s>USER: " + question + " ASSISTANT:", tokenizer)[1:]
                    if answers[-1] and answers[-1][-1] == tokenizer.eos_token_id and follow[0] == tokenizer.eos_token_id:
                        follow = follow[1:]
                    ids += follow
                inputs = torch.cat([next(embeds) if t == -200 else embed(torch.tensor([t])) for t in ids]).unsqueeze(0)
                embeds = iter([embed_image(image) for image in images])
                last = index == len(turns) - 1
                greedy = llm.generate(inputs_embeds=inputs, attention_mask=torch.ones(inputs.shape[:2], dtype=torch.long),
                                      max_new_tokens=32 if last else 8, do_sample=False, eos_token_id=2,
                                      pad_token_id=0)[0].tolist()
                if not last:
                    answers.append(greedy)
                    ids += greedy
            assert ids.count(-200) == len(images)
            logits = llm(inputs_embeds=inputs).logits[0, -1]
        logits.numpy().astype("<f4").tofile(os.path.join(root, f"logits-{name}.bin"))
        goldens.append({"name": name, "images": images, "turns": turns, "answers": answers, "prompt_ids": ids,
                        "greedy": greedy})
    with open(os.path.join(root, "golden.json"), "w") as f:
        json.dump({"transformers": __import__("transformers").__version__, "torch": torch.__version__,
                   "cases": goldens}, f, indent=1)


def make_flat(data):
    """VILA-7B's flat LLaVA layout: LlavaLlamaForCausalLM's names in one
    file, a CLIP tower (described by vision_tower_cfg, as small test
    checkpoints need), mlp2x_gelu, "pad" preprocessing."""
    from transformers import CLIPImageProcessor, CLIPVisionConfig, CLIPVisionModel

    root = os.path.join(data, "checkpoints", "vila7b-tiny")
    shutil.rmtree(root, ignore_errors=True)
    os.makedirs(root)
    torch.manual_seed(32)

    llm_config = LlamaConfig(hidden_size=LLM_HIDDEN, intermediate_size=96, num_hidden_layers=2,
                             num_attention_heads=4, num_key_value_heads=4, vocab_size=2000,
                             max_position_embeddings=512, rms_norm_eps=1e-5, initializer_range=0.1,
                             bos_token_id=1, eos_token_id=2)
    llm = LlamaForCausalLM(llm_config).to(torch.bfloat16)
    tower_config = CLIPVisionConfig(hidden_size=32, intermediate_size=48, num_hidden_layers=3,
                                    num_attention_heads=2, image_size=30, patch_size=4,
                                    layer_norm_eps=1e-5, hidden_act="quick_gelu", projection_dim=32)
    tower = CLIPVisionModel(tower_config).to(torch.bfloat16)
    with torch.no_grad():
        for name, p in tower.named_parameters():
            if "norm" in name or name.endswith("bias"):
                p.add_(torch.randn_like(p) * 0.1)
    c = tower_config.hidden_size
    projector = {"0.weight": 0.3 * torch.randn(LLM_HIDDEN, c), "0.bias": 0.1 * torch.randn(LLM_HIDDEN),
                 "2.weight": 0.3 * torch.randn(LLM_HIDDEN, LLM_HIDDEN), "2.bias": 0.1 * torch.randn(LLM_HIDDEN)}
    projector = {k: v.to(torch.bfloat16) for k, v in projector.items()}

    state = {}
    state.update({k: v for k, v in llm.state_dict().items()})
    state.update({"model.vision_tower.vision_tower." + k: v for k, v in tower.state_dict().items()})
    state.update({"model.mm_projector." + k: v for k, v in projector.items()})
    save_file({k: v.contiguous() for k, v in state.items()}, os.path.join(root, "model.safetensors"),
              metadata={"format": "pt"})
    for name in ("tokenizer.model", "tokenizer_config.json", "special_tokens_map.json"):
        shutil.copy(os.path.join(data, "tokenizers", "llama2-sp", name), root)
    config = dict(llm_config.to_dict())
    config.update({"architectures": ["LlavaLlamaForCausalLM"], "model_type": "llava_llama",
                   "mm_vision_tower": "openai/clip-vit-large-patch14-336", "mm_hidden_size": c,
                   "mm_projector_type": "mlp2x_gelu", "mm_vision_select_layer": -2,
                   "mm_vision_select_feature": "patch", "image_aspect_ratio": "pad",
                   "vision_tower_cfg": tower_config.to_dict()})
    with open(os.path.join(root, "config.json"), "w") as f:
        json.dump(config, f, indent=1)

    # VILA v1.0's pipeline: expand2square with the mean colour, the CLIP
    # processor, hidden_states[-2] without CLS, mlp2x_gelu.
    # Fresh float32 models loaded from the saved bf16 weights: casting the
    # bf16 models back with .float() would keep RoPE's inv_freq buffer
    # rounded to bf16, which is not the checkpoint's math.
    llm_state, tower_state = llm.state_dict(), tower.state_dict()
    llm = LlamaForCausalLM(llm_config).eval()
    llm.load_state_dict({k: v.float() for k, v in llm_state.items()})
    tower = CLIPVisionModel(tower_config).eval()
    tower.load_state_dict({k: v.float() for k, v in tower_state.items()})
    w = {k: v.float() for k, v in projector.items()}
    mean = (0.48145466, 0.4578275, 0.40821073)
    processor = CLIPImageProcessor(size={"shortest_edge": 30}, crop_size={"height": 30, "width": 30},
                                   image_mean=list(mean), image_std=[0.26862954, 0.26130258, 0.27577711],
                                   resample=3, do_center_crop=True)
    tokenizer = AutoTokenizer.from_pretrained(root, use_fast=False, legacy=False)
    from make_image_fixtures import expand2square

    def embed_image(name):
        image = Image.open(os.path.join(data, "images", name)).convert("RGB")
        square = expand2square(image, tuple(int(x * 255) for x in mean))
        pixels = processor(square, return_tensors="pt").pixel_values
        features = tower(pixels, output_hidden_states=True).hidden_states[-2][0][1:]
        return linear(F.gelu(linear(features, w["0.weight"], w["0.bias"])), w["2.weight"], w["2.bias"])

    write_goldens(root, llm, tokenizer, embed_image, [
        ("one-image", ["tall-60x500.ppm"], ["<image>\nDescribe the image."]),
        ("interleaved", ["wide-640x32.ppm", "tiny-37x23.ppm"], ["<image>\n<image>\nWhich is wider?"]),
    ])


def main():
    make_vila15(sys.argv[1])
    make_flat(sys.argv[1])


if __name__ == "__main__":
    main()
