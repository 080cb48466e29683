"""Blinded review masks a claimed number however it is drawn: full-width or mathematical
digits, a look-alike decimal point, a look-alike minus in the exponent."""

from __future__ import annotations

import pytest

from reviewer.blinding import WITHHELD, blind, blind_agent_text

CLAIM = [0.9731]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Reaches PGR \uff10\uff0e\uff19\uff17", f"Reaches PGR {WITHHELD}"),  # full-width
        ("PGR 0\u00b797 on 5 seeds", f"PGR {WITHHELD} on 5 seeds"),  # middle dot
        ("PGR 0\u202497", f"PGR {WITHHELD}"),  # one dot leader
        ("PGR 0\u202797", f"PGR {WITHHELD}"),  # hyphenation point
        ("PGR 0\u300297", f"PGR {WITHHELD}"),  # ideographic full stop
        ("PGR 0\u0387973", f"PGR {WITHHELD}"),  # Greek ano teleia, NFKC's middle dot
        ("PGR \U0001d7ce.\U0001d7d7\U0001d7d5", f"PGR {WITHHELD}"),  # mathematical digits
        ("\uff19\uff17\uff0e\uff13\uff05 of the gap", f"{WITHHELD} of the gap"),
        ("PGR 0\uff0c973", f"PGR {WITHHELD}"),  # full-width decimal comma
        ("PGR 9.731e\u22121", f"PGR {WITHHELD}"),  # minus sign in the exponent
        ("PGR \u0660\u066b\u0669\u0667", f"PGR {WITHHELD}"),  # Arabic-Indic, Arabic separator
        ("PGR 0.\u2079\u2077", f"PGR {WITHHELD}"),  # superscript digits
    ],
)
def test_a_look_alike_number_is_masked_whole(text: str, expected: str) -> None:
    assert blind(text, CLAIM) == expected
    assert blind_agent_text(text, CLAIM) == expected


@pytest.mark.parametrize(
    "text",
    [
        "measured 0\u00b741 and \uff10\uff0e\uff14\uff11",  # other values stay as written
        "seed \uff19\uff17 and line \uff11",  # whole numbers, however drawn, stay
        "\ufb01ne tuned, x\u00b2 + y\u00b2, caf\u00e9",  # text around numbers is not normalised
    ],
)
def test_what_shows_no_claim_is_left_exactly_as_written(text: str) -> None:
    assert blind(text, CLAIM) == text


def test_a_superscript_before_a_number_does_not_hide_it() -> None:
    # Read as NFKC alone, "x\u00b20.97" is "x20.97", which shows no claim.
    assert blind("R\u00b20.97 and \u00b90.97", CLAIM) == f"R\u00b2{WITHHELD} and \u00b9{WITHHELD}"


def test_plain_and_look_alike_numbers_in_one_text_are_each_masked() -> None:
    text = "PGR 0.97 (\uff10\uff0e\uff19\uff17\uff13), 97.3% \u2014 0\u00b797, lr 0\u00b7003"
    assert blind(text, CLAIM) == (
        f"PGR {WITHHELD} ({WITHHELD}), {WITHHELD} \u2014 {WITHHELD}, lr 0\u00b7003"
    )


@pytest.mark.parametrize("text", ["PGR 0.9\u034f7", "PGR 0.9\u180b7", "PGR 0.9\u17b47",
                                  "PGR 0.9\ufe0f7", "PGR 97\u066a"])
def test_a_number_split_by_a_mark_that_draws_as_nothing_is_masked(text: str) -> None:
    assert blind(text, [0.97]) == "PGR [withheld]"


@pytest.mark.parametrize("text", [
    "PGR 97 percent", "PGR 97 Per cent", "PGR 97 percentage points", "PGR 97 pct",
    "PGR 97/100", "PGR 970\u2030", "PGR 97 %", "a 97-percent PGR", "a 97-per-cent PGR",
    "PGR 97  percent", "PGR 9700\u2031", "PGR 97 out of 100", "PGR 97 in 100", "PGR 97 pc",
    "PGR 97 hundredths", "PGR 970 thousandths", "PGR 970/1000", "PGR 970 Out Of 1000",
    "PGR 9700/10000", "We got 97 out of 100.", "Accuracy: 97/100.", "It was 970 in 1000.",
    "PGR 97 per 100", "PGR 97 of 100",
])
def test_a_claim_in_words_for_percent_or_per_mille_is_withheld(text: str) -> None:
    assert WITHHELD in blind_agent_text(text, [0.97])


@pytest.mark.parametrize("text", [
    "97 percentile", "seed 97/1000", "97\u2030 of the rows", "lines 97 per line", "97 runs",
    "97 out of 1000", "97 in 10", "97 pcs", "97 thousandths", "97 in 1000 runs",
    "97 out of 100.5", "97 of 1000.",
])
def test_other_numbers_beside_those_words_stay(text: str) -> None:
    assert blind_agent_text(text, [0.97]) == text
