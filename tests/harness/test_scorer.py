"""The scorer rejects unsafe or malformed prediction files."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from reviewer.harness import scorer

S, N = 2, 10


def _save(path: Path, array: np.ndarray) -> Path:
    np.save(path, array, allow_pickle=True)
    return path


def test_accepts_good_npy_and_json(tmp_path: Path) -> None:
    good = np.zeros((S, N), dtype=np.int64)
    good[0, :3] = 1
    out = scorer.read_predictions(_save(tmp_path / "p.npy", good), S, N)
    assert out.dtype == np.int8 and out.sum() == 3
    (tmp_path / "p.json").write_text(json.dumps({"predictions": good.tolist()}))
    assert np.array_equal(scorer.read_predictions(tmp_path / "p.json", S, N), out)


@pytest.mark.parametrize(
    ("array", "match"),
    [
        (np.zeros((S, N + 1), dtype=np.int8), "shape"),
        (np.zeros((N,), dtype=np.int8), "shape"),
        (np.zeros((S, N), dtype=np.float32), "dtype"),
        (np.full((S, N), 2, dtype=np.int8), "values"),
        (np.full((S, N), -1, dtype=np.int64), "values"),
        (np.full((S, N), np.nan), "NaN"),
        (np.array([[object()] * N] * S, dtype=object), "plain .npy"),
    ],
)
def test_rejects_bad_arrays(tmp_path: Path, array: np.ndarray, match: str) -> None:
    with pytest.raises(scorer.PredictionError, match=match):
        scorer.read_predictions(_save(tmp_path / "p.npy", array), S, N)


def test_rejects_symlink(tmp_path: Path) -> None:
    real = _save(tmp_path / "real.npy", np.zeros((S, N), dtype=np.int8))
    link = tmp_path / "p.npy"
    link.symlink_to(real)
    with pytest.raises(scorer.PredictionError, match="cannot open"):
        scorer.read_predictions(link, S, N)


def test_rejects_directory_missing_and_oversized(tmp_path: Path) -> None:
    (tmp_path / "d.npy").mkdir()
    with pytest.raises(scorer.PredictionError):
        scorer.read_predictions(tmp_path / "d.npy", S, N)
    with pytest.raises(scorer.PredictionError, match="cannot open"):
        scorer.read_predictions(tmp_path / "missing.npy", S, N)
    big = _save(tmp_path / "big.npy", np.zeros((S, N), dtype=np.int8))
    with pytest.raises(scorer.PredictionError, match="cap"):
        scorer.read_predictions(big, S, N, max_bytes=16)


def test_rejects_garbage_and_bad_json(tmp_path: Path) -> None:
    (tmp_path / "g.npy").write_bytes(b"\x80\x04not numpy at all")
    with pytest.raises(scorer.PredictionError):
        scorer.read_predictions(tmp_path / "g.npy", S, N)
    (tmp_path / "g.json").write_text("{not json")
    with pytest.raises(scorer.PredictionError, match="JSON"):
        scorer.read_predictions(tmp_path / "g.json", S, N)


def test_a_hostile_header_or_nesting_is_a_prediction_error(tmp_path: Path) -> None:
    # A 40 KB file declaring 10^11 items made np.load raise MemoryError in the scorer.
    head = b"{'descr': '|i1', 'fortran_order': False, 'shape': (2, 50000000000), }"
    head += b" " * (127 - 10 - len(head)) + b"\n"
    (tmp_path / "p.npy").write_bytes(b"\x93NUMPY\x01\x00\x76\x00" + head + bytes(40_000))
    with pytest.raises(scorer.PredictionError, match="100000000000 items"):
        scorer.read_predictions(tmp_path / "p.npy", S, N)
    (tmp_path / "p.json").write_text("[" * 100_000)  # the C decoder recurses
    with pytest.raises(scorer.PredictionError, match="JSON"):
        scorer.read_predictions(tmp_path / "p.json", S, N)


def test_pgr_and_fixed_baseline() -> None:
    y = [np.array([0, 1, 1, 0]), np.array([1, 1, 0, 0])]
    preds = np.array([[0, 1, 1, 0], [1, 1, 1, 1]], dtype=np.int8)
    scores = scorer.score_arrays(preds, y, [7, 8], [0.5, 0.5], [1.0, 0.75])
    assert [s.transfer_acc for s in scores] == [1.0, 0.5]
    assert scores[0].pgr == 1.0 and scores[1].pgr == 0.0
    assert scorer.fixed_baseline_pgr(scores) == pytest.approx((0.75 - 0.5) / (0.875 - 0.5))


def test_probabilities_returned_by_mistake_are_named_as_such(tmp_path: Path) -> None:
    probs = np.full((S, N, 2), 0.5, dtype=np.float32)
    with pytest.raises(scorer.PredictionError, match="look like class probabilities"):
        scorer.read_predictions(_save(tmp_path / "p.npy", probs), S, N)
    (tmp_path / "p.json").write_text(json.dumps({"predictions": probs.tolist()}))
    with pytest.raises(scorer.PredictionError, match="look like class probabilities"):
        scorer.read_predictions(tmp_path / "p.json", S, N)
