"""`lookalike_text`: words of the title or summary that mix Latin with look-alike letters."""

from __future__ import annotations

import pytest

from reviewer.checks.run import static_findings
from reviewer.checks.text import MAX_QUOTED, text_checks

CYRILLIC_A = "\u0430"
GREEK_OMICRON = "\u03bf"


def _row(title: str, summary: str) -> dict[str, object]:
    return {"id": "p1", "harness": "builtin", "diff": None, "title": title,
            "summary": summary, "claimed": None}


def test_a_mixed_word_in_the_summary_is_flagged_with_its_foreign_letters_shown() -> None:
    summary = f"We smooth the l{CYRILLIC_A}bels, then l{GREEK_OMICRON}g them; l{CYRILLIC_A}bels."
    [check] = text_checks("Label smoothing", summary)
    assert (check.code, check.severity) == ("lookalike_text", "medium")
    assert check.message == (
        "the summary writes 2 words with look-alike letters from another script:"
        f' "l{CYRILLIC_A}bels" (l\\u0430bels), "l{GREEK_OMICRON}g" (l\\u03bfg)')
    assert check.detail == {"field": "summary", "count": 2,
                            "words": ["l\\u0430bels", "l\\u03bfg"]}


def test_title_and_summary_are_flagged_apart() -> None:
    checks = text_checks(f"Cle{CYRILLIC_A}n labels", f"d{CYRILLIC_A}ta")
    assert [c.detail["field"] for c in checks] == ["title", "summary"]
    assert checks[0].message.startswith("the title writes 1 word with look-alike letters")


def test_many_words_are_counted_and_only_a_few_quoted() -> None:
    words = [f"w{CYRILLIC_A}{c}" for c in "bcdefgh"]
    [check] = text_checks("t", " ".join(words))
    assert check.detail["count"] == len(words)
    assert check.message.endswith(f", and {len(words) - MAX_QUOTED} more")
    assert check.message.count("\\u0430") == MAX_QUOTED


@pytest.mark.parametrize("summary", [
    "Each step takes 3 \u03bcs on a GPU.",  # a Greek mu without a Latin twin
    "\u0410\u0433\u0435\u043d\u0442 \u0432\u0435\u0441\u044c \u0434\u0435\u043d\u044c",  # Cyrillic
    "\u03a3\u03bf\u03c6\u03af\u03b1 \u03ba\u03b1\u03b9 labels",  # a Greek word beside a Latin one
    "A na\u00efve baseline; plain text.",
])
def test_ordinary_text_is_not_flagged(summary: str) -> None:
    assert text_checks("A plain title", summary) == []


def test_static_findings_record_it_at_ingest_and_on_check() -> None:
    found = static_findings(_row("Plain", f"We use the l{CYRILLIC_A}bels."), lambda h: None)
    assert [c.code for c in found] == ["lookalike_text"]
    assert static_findings(_row("Plain", "We use the labels."), lambda h: None) == []
