"""Ingest warns about a field that reads like a misspelt one it knows, and stores it all."""

from __future__ import annotations

import json

from reviewer.commands.ingest import ingest_paths
from reviewer.ingest.nearmiss import near_misses


def test_misspelt_fields_and_harness_are_named_with_the_likely_meaning():
    original = {"agent": "a", "title": "t", "summary": "s", "harness": "buildin", "idea": "x",
                "claim": {"pgr": 0.5}, "claimed": {"pgr": 0.5, "datset": "clusters"},
                "notes": "kept, and far from any field"}
    found = near_misses(original)
    assert found == [
        "field 'claim' is not one reviewer reads; did you mean 'claimed'?",
        "field 'claimed.datset' is not one reviewer reads; did you mean 'claimed.dataset'?",
        "harness 'buildin' is not one reviewer knows; did you mean 'builtin'? (an external "
        "one needs a [harness.NAME] table)",
    ]
    assert near_misses({**original, "harness": "builtin", "claim": None, "claimed": {}}) == [
        "field 'claim' is not one reviewer reads; did you mean 'claimed'?"]


def test_an_ingest_reports_them_as_warnings_and_still_stores_the_proposal(mem_store, tmp_path):
    # A typo'd `claimed.datset` went in without a word, and the rerun ran on another task.
    file = tmp_path / "p.json"
    file.write_text(json.dumps({"agent": "a", "title": "t", "summary": "s", "harness": "builtin",
                                "idea": "x", "claimed": {"pgr": 0.5, "datset": "imbalanced"}}))
    report = ingest_paths(mem_store, [tmp_path], "ingest")
    assert len(report.added) == 1
    assert report.warnings == [f"{file}: x: field 'claimed.datset' is not one reviewer reads; "
                               "did you mean 'claimed.dataset'?"]
    again = ingest_paths(mem_store, [tmp_path], "ingest")
    assert again.present == report.added and again.warnings == []  # said once, when added
