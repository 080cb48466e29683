"""What the sandbox leaves in out/ is hostile too: the trusted reader rejects it (notes S2)."""

from __future__ import annotations

import os
import pickle

import numpy as np
import pytest

from reviewer.harness.scorer import PredictionError, read_predictions


@pytest.fixture
def out(tmp_path):
    return tmp_path


def test_a_good_file_is_read(out):
    np.save(out / "p.npy", np.array([[0, 1, 1], [1, 0, 1]], dtype=np.int8))
    assert read_predictions(out / "p.npy", 2, 3).tolist() == [[0, 1, 1], [1, 0, 1]]


def test_symlink_is_rejected(out, tmp_path_factory):
    target = tmp_path_factory.mktemp("elsewhere") / "real.npy"
    np.save(target, np.zeros((2, 3), dtype=np.int8))
    (out / "p.npy").symlink_to(target)
    with pytest.raises(PredictionError, match="cannot open"):
        read_predictions(out / "p.npy", 2, 3)


def test_fifo_is_rejected_without_hanging(out):
    os.mkfifo(out / "p.npy")
    with pytest.raises(PredictionError, match="not a regular file"):
        read_predictions(out / "p.npy", 2, 3)


def test_a_5_gb_file_is_rejected_by_size(out):
    with open(out / "p.npy", "wb") as fh:
        fh.truncate(5 * 1024**3)  # sparse: costs no disk
    with pytest.raises(PredictionError, match="cap"):
        read_predictions(out / "p.npy", 2, 3)


def test_a_pickle_is_never_loaded(out):
    class Boom:
        def __reduce__(self):
            return (os.system, ("touch " + str(out / "pwned"),))

    np.save(out / "p.npy", np.array([Boom()], dtype=object), allow_pickle=True)
    with pytest.raises(PredictionError):
        read_predictions(out / "p.npy", 2, 3)
    (out / "q.npy").write_bytes(pickle.dumps(Boom()))
    with pytest.raises(PredictionError):
        read_predictions(out / "q.npy", 2, 3)
    assert not (out / "pwned").exists()


def test_wrong_shape_is_rejected(out):
    np.save(out / "p.npy", np.zeros((3, 3), dtype=np.int8))
    with pytest.raises(PredictionError, match="shape"):
        read_predictions(out / "p.npy", 2, 3)


def test_nan_is_rejected(out):
    np.save(out / "p.npy", np.array([[0.0, np.nan, 1.0], [1.0, 0.0, 1.0]]))
    with pytest.raises(PredictionError, match="NaN"):
        read_predictions(out / "p.npy", 2, 3)
