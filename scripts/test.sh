#!/usr/bin/env bash
# Set up .venv with the test extra, lint, type-check, and run the whole suite (slow tests included).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh test
.venv/bin/ruff check .
.venv/bin/mypy
.venv/bin/python -m pytest -n auto --dist loadfile "$@"
