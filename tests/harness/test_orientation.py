"""Which class an imbalanced task makes the minority is secret, so no prior names the labels."""

from __future__ import annotations

import hashlib

import numpy as np

from reviewer.harness import tasks

SALT = hashlib.sha256(b"orientation test salt").digest()


def test_the_minority_class_is_a_salted_coin_per_seed():
    # "The smaller cluster is class 1" oriented a teacher-free clustering that passed the
    # ablation by spotting the shuffle (a red-team method scored PGR 1.0 on `imbalanced`).
    spec = tasks.TASKS["imbalanced"]
    rates = [tasks.oriented(spec, SALT, 1, seed).positive_rate for seed in range(40)]
    assert set(rates) == {0.3, 0.7}
    assert 10 <= rates.count(0.3) <= 30
    other = hashlib.sha256(b"another salt").digest()
    assert rates != [tasks.oriented(spec, other, 1, seed).positive_rate for seed in range(40)]


def test_every_split_of_a_seed_shares_its_orientation():
    spec = tasks.TASKS["imbalanced"]
    for seed in (1, 2, 3, 4):
        rate = tasks.oriented(spec, SALT, 1, seed).positive_rate
        data = tasks.generate(spec, SALT, 1, seed)
        for split in (data.weak_train, data.transfer, data.test):
            # label_flip moves the share towards one half by about 0.02.
            assert abs(float(np.mean(split.y)) - rate) < 0.04


def test_balanced_tasks_have_nothing_to_swap():
    for name in ("clusters", "entangled"):
        spec = tasks.TASKS[name]
        assert all(tasks.oriented(spec, SALT, 1, seed) is spec for seed in range(10))
