"""Run the static checks on stored proposals and record them (on ingest and `reviewer check`).

Everything here reads the proposal as stored, so the checks see exactly the bytes a rerun
would apply and the claim a reviewer would judge. On ingest, a proposal without code is
checked on the row the store is about to write (`ingest_checker`), which is the same row.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from reviewer.allowlist import allow_list
from reviewer.checks.bases import BaseReader
from reviewer.checks.claims import claim_checks
from reviewer.checks.duplicate import DupSubject
from reviewer.checks.idea import idea_checks
from reviewer.checks.model import Check
from reviewer.checks.scanpool import (
    DiffPart,
    diff_findings,
    diff_parts,
    diff_text,
    duplicate_parts,
    subject,
    workers,
)
from reviewer.checks.static import bounded
from reviewer.checks.text import text_checks
from reviewer.textsafe import short
from store import ReviewStore, StoreError
from store.checks import STATIC_SOURCE, IngestChecker, IngestChecks, validate
from store.model import NewProposal
from store.proposals import claimed_of

SOURCE = STATIC_SOURCE  # the gate asks for this scan of the current diff
MAX_NAMED = 5  # proposals a ChecksNotRecorded message names


class ChecksNotRecorded(Exception):
    """The static checks of some proposals could not be made or recorded; the others' were.

    `failed` says why for each proposal left unchecked, by id; `recorded` holds the findings
    recorded for the rest, as `check_proposals` returns them.
    """

    def __init__(self, failed: Mapping[str, str], recorded: Mapping[str, list[Check]]) -> None:
        self.failed, self.recorded = dict(failed), dict(recorded)
        named = "; ".join(f"{pid[:12]}: {why}" for pid, why in list(failed.items())[:MAX_NAMED])
        more = f"; and {len(failed) - MAX_NAMED} more" if len(failed) > MAX_NAMED else ""
        super().__init__(f"static checks of {len(failed)} of {len(failed) + len(recorded)}"
                         f" proposals not recorded ({named}{more}); the rest were recorded")


def _subject(row: dict[str, Any], code: str) -> DupSubject:
    return subject(row["id"], row["title"], row.get("idea"), row.get("status") or "", code)


def static_findings(
    row: dict[str, Any],
    allow: Callable[[str], tuple[str, ...] | None],
    bases: Callable[[str], BaseReader | None] = lambda harness: None,
    scanned: Sequence[Check] | None = None,
    duplicates: Sequence[Check] = (),
) -> list[Check]:
    """Every static finding for one proposal row: its diff's scan, whether its harness could
    run its idea, its claim's checks, the checks on how its title and summary are written,
    and its `duplicates` (`scanpool.duplicate_parts`, which needs the batch's fingerprints).

    `allow` gives a harness's allow-list and `bases` its files the diff modifies, for a scan
    done here; `scanned` is the scan when it was done already (`scanpool.diff_parts`).
    """
    if scanned is None:
        found = diff_findings(row["harness"], diff_text(row.get("diff")), allow, bases)
    else:
        found = list(scanned)
    found += idea_checks(row["harness"], row.get("idea"), diff_text(row.get("diff")))
    claimed = row["claimed"] if "claimed" in row else claimed_of(row)
    found += claim_checks(claimed, f"{row['title']}\n{row['summary']}")
    found += text_checks(row["title"], row["summary"])
    # However many files a diff floods, its list stays well under the store's cap per report.
    return bounded(found + list(duplicates))


def ingest_checker() -> IngestChecker:
    """The store's ingest hook: the static checks of a new proposal without code, on its row.

    Such a proposal has only claim checks (no diff to scan, no code to compare), so they are
    recorded with its ingest and its row is written once. A proposal with code returns None
    and is checked after its batch is stored, whose fingerprints its duplicate search needs.
    """
    return _check_at_ingest


def _check_at_ingest(row: dict[str, Any]) -> IngestChecks | None:
    if row["diff"] is not None:
        return None
    try:
        found = static_findings(row, allow_list)
    # A failing check must not cost the ingest: check_proposals runs it again afterwards
    # and reports the failure there, as it did before this hook existed.
    except Exception:
        return None
    return IngestChecks(SOURCE, [c.to_json() for c in found], "")


def check_ahead(proposal: NewProposal) -> IngestChecks | None:
    """What `ingest_checker` will say about `proposal`'s row, worked out before it is stored.

    A proposal without code is judged on its title, summary and claim alone, none of which
    the store's clock or state changes, so a parsing worker can do this part of the ingest.
    """
    return _check_at_ingest(dict(proposal.stored_row))


AheadKey = tuple[str, str | None]  # (proposal id, diff sha256): a finding's id leaves out its diff


def ahead_key(proposal: NewProposal) -> AheadKey:
    return proposal.content_hash, proposal.diff_sha256


def with_checks_ahead(ahead: dict[AheadKey, IngestChecks | None]) -> IngestChecker:
    """The ingest hook, answering from `ahead` where it was worked out already."""

    def check(row: dict[str, Any]) -> IngestChecks | None:
        key = (row["id"], row["diff_sha256"])
        return ahead[key] if key in ahead else _check_at_ingest(row)

    return check


def check_proposals(
    store: ReviewStore, refs: Sequence[str], *, actor: str
) -> dict[str, list[Check]]:
    """Scan, fingerprint and record the static checks of `refs`; returns them by id.

    Fingerprints are written first, so proposals ingested together find each other. Where
    some proposals' checks cannot be made or recorded, the rest are recorded and
    ChecksNotRecorded names those left unchecked.
    """
    rows = store.get_many(refs)
    with workers(sum(row["diff"] is not None for row in rows)) as pool:
        parts = diff_parts(((row["id"], row["harness"], row["diff"]) for row in rows), pool)
        store.put_fingerprints([(pid, part.code) for pid, part in parts.items()])
        dups = duplicate_parts(store, [_subject(row, parts[row["id"]].code) for row in rows], pool)
    failed: dict[str, str] = {}
    results: dict[str, list[Check]] = {}
    for row in rows:
        found = _findings(row, parts[row["id"]], dups[row["id"]])
        if isinstance(found, str):
            failed[row["id"]] = found
        else:
            results[row["id"]] = found
    failed |= record_findings(store, results, actor=actor)
    if failed:
        raise ChecksNotRecorded(failed, {p: c for p, c in results.items() if p not in failed})
    return results


def _findings(row: dict[str, Any], part: DiffPart, duplicates: Sequence[Check]
              ) -> list[Check] | str:
    """`static_findings` of one row of a batch, or why they could not be had."""
    if part.error is not None:
        return part.error
    try:
        return static_findings(row, allow_list, scanned=part.checks, duplicates=duplicates)
    # As in the diff scan: a bug one proposal trips costs only that proposal its checks.
    except Exception as exc:
        return f"the checks failed ({type(exc).__name__}: {short(str(exc), 200)})"


def record_findings(
    store: ReviewStore, results: Mapping[str, Sequence[Check]], *, actor: str
) -> dict[str, str]:
    """Record each proposal's findings under SOURCE, in one transaction; returns why, by id,
    for those the store refuses (a report over its cap), which are left unrecorded."""
    failed: dict[str, str] = {}
    items: list[tuple[str, list[dict[str, Any]]]] = []
    for pid, found in results.items():
        checks = [c.to_json() for c in found]
        try:
            validate(checks)  # the store's own test, asked first so one refusal spares the rest
        except StoreError as exc:
            failed[pid] = str(exc)
        else:
            items.append((pid, checks))
    if items:
        store.record_checks_batch(items, SOURCE, actor=actor)
    return failed
