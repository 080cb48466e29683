#!/usr/bin/env bash
# Set up .venv with the test extra, lint, and run the whole suite (slow tests included).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh test
.venv/bin/ruff check .
.venv/bin/python -m pytest -n auto --dist loadfile "$@"
