"""The audit chain: append-only events linked by sha256, and the head checkpoint file."""

from __future__ import annotations

import errno
import json
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from json.encoder import encode_basestring
from pathlib import Path
from typing import Any

from store import capped
from store.atomic import replace_bytes
from store.errors import StoreError
from store.model import canonical_json, sha256_hex
from store.sshsig import read_capped, store_file

GENESIS = "0" * 64
# A head checkpoint is ~100 bytes; anything bigger is not ours.
CHECKPOINT_CAP = 64 * 1024


@dataclass(frozen=True)
class Event:
    """One row of the audit chain."""

    seq: int
    ts: str
    actor: str
    action: str
    proposal_id: str | None
    payload: dict[str, Any]
    prev_hash: str
    hash: str

    def to_json(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "ts": self.ts,
            "actor": self.actor,
            "action": self.action,
            "proposal_id": self.proposal_id,
            "payload": self.payload,
            "prev_hash": self.prev_hash,
            "hash": self.hash,
        }


def row_hash(
    prev_hash: str,
    seq: int,
    ts: str,
    actor: str,
    action: str,
    proposal_id: str | None,
    payload_json: str,
) -> str:
    """sha256(prev_hash + "\\n" + canonical row), as DESIGN §4.7 and notes/reliability §4 fix it."""
    if (type(seq) is int and type(ts) is str and type(actor) is str and type(action) is str
            and type(payload_json) is str and (proposal_id is None or type(proposal_id) is str)):
        # canonical_json of the row below, written out: its keys sorted, no spaces.
        pid = "null" if proposal_id is None else encode_basestring(proposal_id)
        body = (f'{{"action":{encode_basestring(action)},"actor":{encode_basestring(actor)},'
                f'"payload":{encode_basestring(payload_json)},"proposal_id":{pid},'
                f'"seq":{seq!r},"ts":{encode_basestring(ts)}}}')
    else:  # a tampered row read back by verify: json writes (or refuses) what it holds
        body = canonical_json(
            {
                "seq": seq,
                "ts": ts,
                "actor": actor,
                "action": action,
                "proposal_id": proposal_id,
                "payload": payload_json,
            }
        )
    return sha256_hex(prev_hash + "\n" + body)


def head(conn: sqlite3.Connection) -> tuple[int, str]:
    """The last (seq, hash) of the chain, or (0, GENESIS) when it is empty."""
    row = conn.execute("SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1").fetchone()
    return (0, GENESIS) if row is None else (int(row[0]), str(row[1]))


def append(
    conn: sqlite3.Connection,
    *,
    ts: str,
    actor: str,
    action: str,
    proposal_id: str | None,
    payload: dict[str, Any],
    prev: tuple[int, str] | None = None,
) -> Event:
    """Append one event; the caller must hold the write transaction of the state change.

    `prev` is the chain head (seq, hash) if the caller knows it, because it appended the
    last event itself in this same transaction; otherwise the head is read.
    """
    if not conn.in_transaction:
        raise RuntimeError("audit events must be written inside the state change's transaction")
    last_seq, last_hash = head(conn) if prev is None else prev
    seq = last_seq + 1
    payload_json = canonical_json(payload)
    digest = row_hash(last_hash, seq, ts, actor, action, proposal_id, payload_json)
    cursor = conn.execute(
        "INSERT INTO events (seq, ts, actor, action, proposal_id, payload, prev_hash, hash) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (seq, ts, actor, action, proposal_id, payload_json, last_hash, digest),
    )
    if cursor.rowcount != 1:
        # A trigger that is not the store's (RAISE(IGNORE)) swallowed the row: the change
        # must not commit without its event. The caller's transaction rolls back on this.
        raise StoreError(
            f"the audit event for {action} (seq {seq}) was not written: a trigger on the "
            "events table dropped it; nothing was changed (run `reviewer audit verify`)"
        )
    return Event(seq, ts, actor, action, proposal_id, payload, last_hash, digest)


def iter_events(
    conn: sqlite3.Connection,
    *,
    proposal_id: str | None = None,
    actions: Sequence[str] = (),
    batch: int = 2000,
    after: int = 0,
) -> Iterator[Event]:
    """Every event after seq `after` in seq order, read in batches so a long log never sits
    in memory; only one proposal's, or only `actions`, when given."""
    last = after
    where = "seq > ?" + (" AND proposal_id = ?" if proposal_id else "")
    # `+action` keeps one proposal's reads on events_proposal: on `action = ?` the planner
    # took events_action and walked every event of that kind in the store for each proposal.
    column = "+action" if proposal_id else "action"
    where += f" AND {column} IN ({', '.join('?' * len(actions))})" if actions else ""
    while True:
        params: tuple[Any, ...] = (last, *([proposal_id] if proposal_id else []), *actions)
        rows = conn.execute(
            "SELECT seq, ts, actor, action, proposal_id, payload, prev_hash, hash FROM events "
            f"WHERE {where} ORDER BY seq LIMIT {batch}",
            params,
        ).fetchall()
        if not rows:
            return
        for seq, ts, actor, action, pid, payload, prev, digest in rows:
            yield Event(seq, ts, actor, action, pid, _payload(payload), prev, digest)
        last = rows[-1][0]


def _payload(text: Any) -> dict[str, Any]:
    """A stored payload; one that is not a JSON object (a tampered row) is kept as its text,
    so readers see it without raising. `audit verify` names such a row."""
    try:
        value = json.loads(text)
    except (TypeError, ValueError, RecursionError):
        # RecursionError: JSON nested deeper than the parser's recursion limit.
        value = None
    return value if isinstance(value, dict) else {"unreadable_payload": str(text)}


def checkpoint_path(db_file: Path) -> Path:
    """`<db>.head.json` beside the store's real file, so a symlink to the store and the
    store's own path share one head (a head beside the link would go stale)."""
    real = store_file(db_file)
    return real.with_name(real.name + ".head.json")


def read_checkpoint(path: Path) -> tuple[int, str] | None:
    """The recorded (seq, hash), or None when there is no checkpoint yet.

    Read only as a regular file of at most 64 KiB: a symlink, FIFO, folder or bigger file is a
    ValueError naming it, never followed, waited on or read into memory.
    """
    try:
        data = json.loads(read_capped(path, CHECKPOINT_CAP).decode("utf-8"))
    except FileNotFoundError:
        return None
    except (ValueError, RecursionError) as exc:  # refused file, bad UTF-8 or JSON, deep JSON
        raise ValueError(f"{path}: unreadable head checkpoint: {exc}") from exc
    if (
        not isinstance(data, dict)
        or not isinstance(data.get("seq"), int)
        or not isinstance(data.get("hash"), str)
    ):
        raise ValueError(f"{path}: head checkpoint must be {{'seq': int, 'hash': str}}")
    return data["seq"], data["hash"]


def checkpoint_warning(path: Path, exc: OSError) -> str:
    """What a failed checkpoint write costs, for a warning: from which seq on truncation of
    the chain goes unnoticed by `audit verify`."""
    try:
        recorded = read_checkpoint(path)
    except ValueError:
        recorded = None
    since = "at all" if recorded is None else f"past seq {recorded[0]}"
    reason = exc.strerror or str(exc)
    return (
        f"the head checkpoint {path} could not be written: {reason}; `reviewer audit verify` "
        f"cannot detect truncation of the audit chain {since} until it can"
    )


@contextmanager
def _head_lock(lock_path: Path) -> Iterator[None]:
    """The head file's lock; a symlink, FIFO or device planted in its place raises OSError,
    never followed or waited on."""
    try:
        held = capped.Lock(lock_path)
    except capped.Refused as exc:
        what = "a symbolic link" if exc.why == capped.SYMLINK else "not a regular file"
        raise OSError(errno.EINVAL, f"the head checkpoint's lock is {what}",
                      str(lock_path)) from exc
    with held:
        yield


def write_checkpoint(path: Path, seq: int, digest: str) -> None:
    """Advance the checkpoint to (seq, digest), never backwards, atomically.

    The new head goes to a fresh temporary file (random name, created exclusively, never
    through a symlink), synced and renamed over `path`; on failure it is removed and the
    OSError raised.
    """
    if seq <= 0:
        return
    lock_path = path.with_name(path.name + ".lock")
    with _head_lock(lock_path):
        try:
            current = read_checkpoint(path)
        except ValueError:
            current = None
        if current is not None and current[0] >= seq:
            return
        replace_bytes(path, json.dumps({"seq": seq, "hash": digest}).encode("utf-8"),
                      prefix=f"{path.name}.", mode=0o644)
