"""Whatever bytes an agent sends, ingest either stores whole files or changes nothing."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reviewer.commands.ingest import ingest_paths
from store import ReviewStore

GOOD = {
    "agent": "a", "title": "t", "summary": "s", "harness": "builtin", "idea": "x",
    "claimed": {"pgr": 0.3, "pgr_se": 0.01, "seeds": [1, 2, 3]},
}

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.sampled_from([*GOOD, *GOOD["claimed"], "diff", "diff_path"]) | st.text(
        max_size=8), children, max_size=6),
    max_leaves=20,
)


def snapshot(store: ReviewStore) -> tuple:
    rows = store.conn.execute("SELECT id, status, diff_sha256 FROM proposals ORDER BY id")
    return tuple(rows), store.conn.execute("SELECT max(seq) FROM events").fetchone()[0]


def mutate(draw_value, key: str | None) -> dict:
    doc = json.loads(json.dumps(GOOD))
    if key is None:
        return doc
    if key in doc["claimed"]:
        doc["claimed"][key] = draw_value
    else:
        doc[key] = draw_value
    return doc


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    content=st.one_of(
        st.binary(max_size=300),
        st.builds(lambda v: json.dumps(v, allow_nan=True).encode(), json_values),
        st.builds(lambda v, k: json.dumps(mutate(v, k), allow_nan=True).encode(), json_values,
                  st.sampled_from([None, *GOOD, *GOOD["claimed"], "diff", "diff_path"])),
    ),
    suffix=st.sampled_from([".json", ".jsonl"]),
)
def test_ingest_never_crashes_and_rejections_change_nothing(content: bytes, suffix: str):
    with tempfile.TemporaryDirectory() as tmp:
        store = ReviewStore.memory()
        seed = Path(tmp) / "seed.json"
        seed.write_text(json.dumps({**GOOD, "title": "already here"}))
        ingest_paths(store, [seed], "fuzz")
        before = snapshot(store)
        path = Path(tmp) / f"input{suffix}"
        path.write_bytes(content)
        report = ingest_paths(store, [path], "fuzz")
        after = snapshot(store)
        if report.errors:
            assert after == before
            assert all(e["path"] and e["message"] for e in report.errors)
        else:
            assert len(after[0]) == len(before[0]) + len(report.added)
        assert store.verify().ok
        store.close()
