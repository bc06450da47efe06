#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Regenerates tests/data/tokenizers/ with the reference libraries, each in
# the version its VILA generation used. Needs PyPI; CI never runs this.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out="$here/../../tests/data/tokenizers"

venv () {
  [ -x "$here/$1/bin/python" ] || { python3 -m venv "$here/$1" && "$here/$1/bin/pip" install -q $2; }
}
# VILA1.5 (vila1.5 branch): transformers 4.36.2, slow LlamaTokenizer.
venv .venv "transformers==4.36.2 sentencepiece==0.2.3 protobuf"
# NVILA (main): transformers 4.46.3 and its tokenizers 0.20.
venv .venv-nvila "transformers==4.46.3 sentencepiece==0.2.3 protobuf"

rm -rf "$out"
mkdir -p "$out"
cd "$here"
.venv/bin/python make_tokenizer_fixtures.py sentencepiece "$out"
.venv-nvila/bin/python make_tokenizer_fixtures.py bpe "$out"
ls -la "$out"
