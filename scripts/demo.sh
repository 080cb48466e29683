#!/usr/bin/env bash
# Set up .venv and open the demo: the review queue on a store seeded from samples/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/reviewer demo "$@"
