"""The student kit's shortcuts agree with the plain computations they replace."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from reviewer.harness import tasks
from reviewer.harness.tree.w2s_kit import losses, student
from reviewer.harness.tree.w2s_kit.budget import Budget


@pytest.mark.parametrize("loss", [losses.xent, losses.logconf, losses.make_logconf(0.9, 0.5)])
@pytest.mark.parametrize("progress", [0.0, 0.1, 0.7])
def test_row_grad_matches_autograd(loss, progress: float) -> None:
    g = torch.Generator().manual_seed(0)
    logits = (torch.randn(3, 64, 2, generator=g) * 3).requires_grad_(True)
    targets = torch.softmax(torch.randn(3, 64, 2, generator=g), dim=-1)
    (auto,) = torch.autograd.grad(loss(logits, targets, progress).sum(), logits)
    assert torch.allclose(loss.row_grad(logits.detach(), targets, progress), auto, atol=1e-6)


def test_softmax2_matches_softmax() -> None:
    logits = torch.randn(2, 100, 2) * 10
    assert torch.allclose(student.softmax2(logits), torch.softmax(logits, dim=-1), atol=1e-6)


def test_custom_loss_without_row_grad_trains_like_builtin() -> None:
    """A method's own loss goes through autograd and lands where the analytic path does."""
    g = torch.Generator().manual_seed(1)
    x = torch.randn(2, 512, 8, generator=g)
    t = torch.softmax(torch.randn(2, 512, 2, generator=g), dim=-1)
    budget = Budget(width=16, epochs=2, batch_size=128, lr=1e-2)
    init = student.init_params([1, 2], 8, 16, "cpu", torch.float32)
    fast = student.fit(init, x, t, losses.xent, budget, [1, 2])
    slow = student.fit(init, x, t, lambda lg, tg, p: losses.xent(lg, tg, p), budget, [1, 2])
    for a, b in zip(fast.tensors(), slow.tensors(), strict=True):
        assert torch.allclose(a, b, atol=1e-5)


def test_generate_many_equals_one_at_a_time() -> None:
    spec, salt = tasks.TASKS["entangled"], b"\x07" * 32
    many = tasks.generate_many(spec, salt, 1, [2, 5])
    for seed, got in zip([2, 5], many, strict=True):
        one = tasks.generate(spec, salt, 1, seed)
        for split in ("weak_train", "transfer", "test"):
            a, b = getattr(one, split), getattr(got, split)
            assert np.array_equal(a.x, b.x) and np.array_equal(a.view, b.view)
            assert np.array_equal(a.y, b.y)


@pytest.mark.parametrize("cores", [1, 2, 8])
def test_orders_are_each_seeds_own_permutations(monkeypatch, cores: int) -> None:
    """Drawing into slots, one seed per thread or all in one, gives the permutations a
    per-seed generator draws one by one."""
    monkeypatch.setattr(student, "_cores", lambda: cores)
    seeds = [3, 7, 11, 12, 19]
    orders = student._orders(seeds, 50, 4, "cpu", salt=5)
    assert orders.shape == (4, len(seeds), 50)
    for i, seed in enumerate(seeds):
        g = student.generator(seed, student._ORDER_STREAM, 5)
        for epoch in range(4):
            assert torch.equal(orders[epoch, i], torch.randperm(50, generator=g))


def test_cores_without_an_affinity_call(monkeypatch) -> None:
    """macOS has no sched_getaffinity: the kit then counts every core."""
    import os

    monkeypatch.delattr(os, "sched_getaffinity", raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: 6)
    assert student._cores() == 6
    monkeypatch.setattr(os, "cpu_count", lambda: None)
    assert student._cores() == 1


@pytest.mark.parametrize(
    ("tail", "dtype"),
    [((), torch.float32), ((2,), torch.float32), ((4,), torch.float32), ((3,), torch.float32),
     ((8,), torch.float32), ((2,), torch.float64), ((4, 2), torch.float16)],
)
def test_row_gather_is_a_bitwise_index_select(tail: tuple[int, ...], dtype: torch.dtype) -> None:
    """Narrow rows go through a packed 1-D copy; every width comes back bit for bit."""
    g = torch.Generator().manual_seed(2)
    t = torch.randn(40, *tail, generator=g).to(dtype)
    t.view(-1)[::7] = float("nan")  # payload bits must survive the copy, NaNs included
    t.view(-1)[1::9] = -0.0
    pick = torch.randint(0, 40, (3 * 5,), generator=g)
    rows = student._Rows(t)
    assert (rows.packed is not None) == (t[0].numel() * t.element_size() in (4, 8, 16))
    got = rows.take(pick, 3, 5)
    want = t.index_select(0, pick).view(3, 5, *tail)
    assert got.dtype == dtype and got.shape == want.shape
    assert torch.equal(got.view(-1).view(torch.uint8), want.view(-1).view(torch.uint8))


@pytest.mark.parametrize("threads", [1, 4])
def test_generated_arrays_ignore_the_thread_counts(threads: int) -> None:
    """A threaded OpenBLAS product split its sums by the thread count, so the same seed gave
    other arrays on another machine; neither BLAS's nor torch's thread count may matter."""
    from threadpoolctl import threadpool_limits

    spec, salt = tasks.TASKS["clusters"], b"\x05" * 32
    before = torch.get_num_threads()
    try:
        with threadpool_limits(limits=2, user_api="blas"):
            torch.set_num_threads(2)
            reference = tasks.generate(spec, salt, 1, 3)
        with threadpool_limits(limits=threads, user_api="blas"):
            torch.set_num_threads(threads)
            got = tasks.generate_many(spec, salt, 1, [3])[0]
    finally:
        torch.set_num_threads(before)
    for split in ("weak_train", "transfer", "test"):
        a, b = getattr(reference, split), getattr(got, split)
        assert np.array_equal(a.x, b.x) and np.array_equal(a.view, b.view)


@pytest.mark.parametrize(("seeds", "d", "width"), [(1, 64, 128), (5, 64, 128), (5, 4, 8)])
def test_predict_chunks_never_change_a_probability(seeds: int, d: int, width: int) -> None:
    """5,000 rows end in a partial block; chunks of 256-row multiples keep every row's bits."""
    g = torch.Generator().manual_seed(seeds)
    params = student.init_params(list(range(seeds)), d, width, "cpu", torch.float32)
    params.b1.normal_(generator=g)
    x = torch.randn(seeds, 5000, d, generator=g)
    whole = student.predict_proba(params, x, chunk=5000)
    chosen = student.predict_chunk(params)
    assert chosen % 256 == 0
    for chunk in (1024, 1280, chosen):
        assert torch.equal(student.predict_proba(params, x, chunk=chunk), whole)


def test_data_held_keeps_the_labels_of_the_latest_task_only(monkeypatch) -> None:
    from reviewer.harness import baselines
    from reviewer.harness.salt import load_salt
    from tests.spies import calls_to

    made = calls_to(monkeypatch, tasks, "generate_many",
                    lambda spec, salt, size, seeds: (spec.name, tuple(seeds)))
    with baselines.data_held():
        data = baselines.load_data("clusters", 1, [2, 1])
        labels = baselines.load_labels("clusters", 1, [1, 2, 3])
        assert labels[0] is data[1].test.y and labels[1] is data[0].test.y
        baselines.load_labels("entangled", 1, [1])
        baselines.load_labels("clusters", 1, [1])  # the other task's labels were let go
    baselines.load_labels("clusters", 1, [1])
    assert made == [("clusters", (2, 1)), ("clusters", (3,)), ("entangled", (1,)),
                    ("clusters", (1,)), ("clusters", (1,))]
    again = tasks.generate(tasks.TASKS["clusters"], load_salt(), 1, 3)
    assert np.array_equal(labels[2], again.test.y)


def test_trusted_labels_make_the_data_once_on_an_empty_cache(monkeypatch) -> None:
    from reviewer.harness import api, baselines
    from tests.spies import calls_to

    made = calls_to(monkeypatch, tasks, "generate_many",
                    lambda spec, salt, size, seeds: tuple(seeds))
    first = api.trusted_labels("clusters", 1, [1, 2])  # baselines and labels from one draw
    assert made == [(1, 2)]
    again = api.trusted_labels("clusters", 1, [1, 2])  # baselines cached: the labels alone
    assert made == [(1, 2), (1, 2)]
    assert np.array_equal(first.labels, again.labels)
    with baselines.data_held():
        baselines.load_data("clusters", 1, [1, 2])
        api.trusted_labels("clusters", 1, [2, 1])  # an inner block keeps the outer's labels
    assert made == [(1, 2), (1, 2), (1, 2)]
