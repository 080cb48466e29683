"""Plain-text presentation of store rows for the TUI: ages, numbers, timelines.

Pure functions with no Textual import, so the rules behind what the screens show are tested
without an app. Every string that came from an agent goes through `textsafe` here.

Single values are in `values`, the queue table and status bars in `table`, a proposal's
timeline in `history`, its reruns in `reruns`, its checks in `checks` and its lineage in
`lineage`.
"""

from __future__ import annotations

from reviewer.present.checks import SEVERITIES, check_line, checks_by_severity, duplicate_target
from reviewer.present.history import (
    PREDICTIONS,
    TimelineEntry,
    assessment_text,
    publication_text,
    timeline,
)
from reviewer.present.lineage import children_note, lineage_line, relative_text
from reviewer.present.reruns import (
    ACTIVE_JOB_STATES,
    FAILED_LOG_LINES,
    LOG_TAIL_LINES,
    ablation_word,
    active_rerun_id,
    ended_in_failure,
    has_active_rerun,
    latest_result,
    log_tail_lines,
    raised_line,
    rerun_line,
)
from reviewer.present.table import (
    BLIND_SORTS,
    QUEUE_COLUMNS,
    REST_LEAST,
    REST_WANTED,
    SORT_KEYS,
    STATUS_FILTERS,
    BarPart,
    Column,
    column_widths,
    fit_bar,
    queue_cells,
)
from reviewer.present.values import (
    age,
    held_up,
    next_in,
    num,
    p_value,
    parse_time,
    pm,
    signed,
)

__all__ = [
    "ACTIVE_JOB_STATES",
    "BLIND_SORTS",
    "FAILED_LOG_LINES",
    "LOG_TAIL_LINES",
    "PREDICTIONS",
    "QUEUE_COLUMNS",
    "REST_LEAST",
    "REST_WANTED",
    "SEVERITIES",
    "SORT_KEYS",
    "STATUS_FILTERS",
    "BarPart",
    "Column",
    "TimelineEntry",
    "ablation_word",
    "active_rerun_id",
    "age",
    "assessment_text",
    "check_line",
    "checks_by_severity",
    "children_note",
    "column_widths",
    "duplicate_target",
    "ended_in_failure",
    "fit_bar",
    "has_active_rerun",
    "held_up",
    "latest_result",
    "lineage_line",
    "log_tail_lines",
    "next_in",
    "num",
    "p_value",
    "parse_time",
    "pm",
    "publication_text",
    "queue_cells",
    "raised_line",
    "relative_text",
    "rerun_line",
    "signed",
    "timeline",
]
