"""Whatever bytes or structures an agent sends, ingest raises only IngestError."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reviewer.ingest import IngestError, read_paths
from reviewer.ingest.document import proposals_from_records
from reviewer.ingest.strictjson import load_document, loads, loads_lines
from tests.ingest.helpers import FINDING, NATIVE

FUZZ = settings(max_examples=300, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])

KNOWN_KEYS = sorted(set(NATIVE) | set(FINDING) | {"diff", "diff_path", "parent", "findings",
                                                   "agent_id", "author", "created_at"})

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**120), max_value=10**120),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.sampled_from(["builtin", "0000000", "../x", "/etc/passwd", "a.diff", "\ud800", "\x1b[2J"]),
)
keys = st.one_of(st.sampled_from(KNOWN_KEYS), st.text(max_size=8))
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(keys, inner, max_size=4)),
    max_leaves=8,
)
field_values = st.one_of(
    scalars,
    st.lists(scalars, max_size=3),
    st.dictionaries(st.sampled_from(["pgr", "seeds", "agent", "x"]), scalars, max_size=3),
)
proposal_like = st.builds(
    lambda base, extra: {**base, **extra},
    st.sampled_from([{}, NATIVE, FINDING]),
    st.dictionaries(st.sampled_from(KNOWN_KEYS), field_values, max_size=4),
)
documents = st.one_of(
    json_values,
    proposal_like,
    st.lists(proposal_like, max_size=3),
    st.builds(lambda items: {"findings": items}, st.lists(proposal_like, max_size=3)),
)


def _ingest_bytes(data: bytes, folder: Path | None) -> None:
    try:
        records = load_document(data, path="fuzz.json")
        proposals = proposals_from_records(records, path="fuzz.json", folder=folder, stem="fuzz")
    except IngestError as error:
        assert type(error) is IngestError
        assert str(error).startswith("fuzz.json")
        return
    for proposal in proposals:
        assert len(proposal.content_hash) == 64


@FUZZ
@given(st.binary(max_size=300))
def test_arbitrary_bytes(data: bytes) -> None:
    _ingest_bytes(data, None)
    for parse in (loads, loads_lines):
        try:
            parse(data, path="fuzz")
        except IngestError as error:
            assert type(error) is IngestError


@FUZZ
@given(documents)
def test_arbitrary_structures(value: Any) -> None:
    data = json.dumps(value, allow_nan=True).encode("utf-8", "surrogatepass")
    _ingest_bytes(data, None)


@FUZZ
@given(documents, st.integers(min_value=0, max_value=400), st.binary(min_size=1, max_size=4))
def test_mutated_documents(value: Any, position: int, noise: bytes) -> None:
    data = json.dumps(value, allow_nan=True).encode("utf-8", "surrogatepass")
    position = min(position, len(data))
    _ingest_bytes(data[:position] + noise + data[position:], None)


@FUZZ
@given(st.lists(proposal_like, min_size=1, max_size=3))
def test_files_with_siblings(tmp_path: Path, items: list[dict[str, Any]]) -> None:
    (tmp_path / "a.diff").write_text("diff --git a/x b/x\n")
    path = tmp_path / "fuzz.jsonl"
    path.write_text("\n".join(json.dumps(item, allow_nan=True) for item in items),
                    encoding="utf-8", errors="surrogatepass")
    [result] = read_paths([path])
    assert (result.error is None) or (result.proposals == [])
    for proposal in result.proposals:
        assert len(proposal.content_hash) == 64
