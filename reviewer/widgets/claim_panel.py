"""Claimed vs measured: the agent's claim beside the latest rerun's statistics.

In blinded review the claim side reads "hidden" until the reviewer records an assessment.
"""

from __future__ import annotations

from typing import Any, cast

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.widgets import Static

from reviewer.present import ablation_word, latest_result, num, p_value, pm, signed
from reviewer.textsafe import clean, short


def _ci(value: Any) -> str:
    if isinstance(value, list | tuple) and len(value) == 2 and num(value[0]) != "-":
        return f"[{num(value[0])}, {num(value[1])}]"
    return "-"


def _gain(result: dict[str, Any]) -> str:
    """The paired gain over the naive baseline, signed, with its p-value: `+0.123 (paired p
    0.0123)`; a p alone said whether there was a gain but not how large or in which way."""
    gain, p = signed(result.get("gain_mean")), p_value(result.get("gain_p_value"))
    return gain if p == "-" else f"{gain} (paired p {p})"


def _table(rows: list[tuple[str, str, str]]) -> Table:
    """Rich tables parse str cells as markup, so every cell is a Text."""
    table = Table(box=None, show_header=True, header_style="bold", padding=(0, 2))
    for header in ("", "claimed", "measured"):
        table.add_column(Text(header))
    for label, claimed, measured in rows:
        table.add_row(Text(label, style="bold"), Text(claimed), Text(measured))
    return table


def _hide(rows: list[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
    """The rows with every claimed cell that has a value replaced by `hidden`."""
    return [(label, "hidden" if claim != "-" else "-", measured) for label, claim, measured in rows]


def claim_renderable(
    data: dict[str, Any],
    rerun_key: str = "r",
    *,
    hide_claim: bool = False,
    assess_key: str = "e",
) -> RenderableType:
    """The panel's content for one proposal view; `hide_claim` blinds the claimed column."""
    claimed = data.get("claimed") or {}
    seeds = claimed.get("seeds")
    claimed_seeds = str(len(seeds)) if isinstance(seeds, list) else "-"
    result = latest_result(data)
    blind_note: list[RenderableType] = []
    if hide_claim:
        note = f"claim hidden — record your assessment first (press {assess_key})"
        blind_note = [Text(""), Text(note, style="bold italic")]
    if result is None:
        rows = [
            ("PGR", pm(claimed.get("pgr"), claimed.get("pgr_se")), "-"),
            ("seeds", claimed_seeds, "-"),
            ("transfer acc", num(claimed.get("transfer_acc")), "-"),
        ]
        # A proposal with no code (a sandbox finding without its patch) cannot be rerun.
        empty = Text(f"no rerun yet — press {rerun_key}" if data.get("diff_sha256") else
                     "no rerun: it carries no code to run", style="italic")
        table = _table(_hide(rows) if hide_claim else rows)
        return Group(table, Text(""), empty, *blind_note)
    per_seed = result.get("per_seed") or []
    seed_pgrs = ", ".join(num(s.get("pgr")) for s in per_seed if isinstance(s, dict))
    transfer = [s.get("transfer_acc") for s in per_seed if isinstance(s, dict)]
    transfer_mean = (
        sum(cast("list[float]", transfer)) / len(transfer)
        if transfer and all(isinstance(t, int | float) for t in transfer)
        else None
    )
    rows = [
        (
            "PGR",
            pm(claimed.get("pgr"), claimed.get("pgr_se")),
            pm(result.get("pgr_mean"), result.get("pgr_se")),
        ),
        ("95% CI", "-", _ci(result.get("pgr_ci"))),
        # A rerun refused or failed before any seed ran measured none of those it asked for.
        ("seeds", claimed_seeds, str(len(result.get("seeds") or []))
         if per_seed or result.get("pgr_mean") is not None else "-"),
        ("per-seed PGR", "-", seed_pgrs or "-"),
        ("transfer acc", num(claimed.get("transfer_acc")), num(transfer_mean)),
        ("naive baseline PGR", "-", num(result.get("baseline_pgr_mean"))),
        ("gain over naive", "-", _gain(result)),
    ]
    # The verdict compares the measurement with the claim, so blinding hides it too.
    verdict = "hidden" if hide_claim else (short(result.get("verdict"), 40) or "-")
    style = {"reproduced": "bold green", "not_reproduced": "bold red"}.get(verdict, "bold yellow")
    parts: list[RenderableType] = [
        _table(_hide(rows) if hide_claim else rows),
        Text(""),
        Text.assemble(("verdict: ", "bold"), (verdict, style)),
    ]
    if result.get("reason"):
        parts.append(Text(clean(str(result["reason"])), style="dim"))
    if not hide_claim:
        for note in result.get("notes") or []:
            parts.append(Text(f"note: {clean(str(note))}"))
    parts += _dynamic(result)
    return Group(*parts, *blind_note)


_ABLATION_STYLES = {"passed": "green", "INCONCLUSIVE": "bold yellow", "FAILED": "bold red"}


def ablation_line(ablation: Any) -> Text:
    """The teacher-shuffle ablation in one line: did PGR collapse without the teacher?"""
    if not isinstance(ablation, dict):
        return Text("teacher-shuffle ablation: not run", style="dim")
    word = ablation_word(ablation)
    line = Text.assemble(
        ("teacher-shuffle ablation: ", "bold"),
        (word, _ABLATION_STYLES[word]),
        f"  PGR {num(ablation.get('real_pgr_mean'))} → {num(ablation.get('pgr_mean'))} "
        f"with shuffled teacher labels (drop {num(ablation.get('drop'))}, "
        f"p {p_value(ablation.get('p_value'))})",
    )
    if ablation.get("reason"):
        line.append(f"  {clean(str(ablation['reason']), single_line=True)}", style="dim")
    return line


def _dynamic(result: dict[str, Any]) -> list[RenderableType]:
    """The ablation and held-out lines of a rerun; measured numbers only, never the claim."""
    parts: list[RenderableType] = [Text(""), ablation_line(result.get("ablation"))]
    for task in result.get("heldout") or []:
        if not isinstance(task, dict):
            continue
        why = clean(str(task.get("reason") or ""), single_line=True)
        parts.append(
            Text(
                f"held-out {short(str(task.get('task')), 24)}: PGR "
                f"{pm(task.get('pgr_mean'), task.get('pgr_se'))}, naive "
                f"{num(task.get('baseline_pgr_mean'))}, gain {num(task.get('gain'))}"
                + (f"  {why}" if why else "")
            )
        )
    return parts


class ClaimPanel(Static):
    """Shows `claim_renderable` for the proposal it is given."""

    DEFAULT_CSS = """
    ClaimPanel { height: auto; padding: 0 1; border: round $primary; }
    """

    def show_data(
        self,
        data: dict[str, Any],
        rerun_key: str = "r",
        *,
        hide_claim: bool = False,
        assess_key: str = "e",
    ) -> None:
        self.border_title = "claimed vs measured"
        self.update(claim_renderable(data, rerun_key, hide_claim=hide_claim, assess_key=assess_key))
