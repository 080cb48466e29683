"""Lineage: a proposal's `parent` matched to ids, finding ids and commits, both ways, by index."""

from __future__ import annotations

import dataclasses

import pytest

from store import NewProposal, ReviewStore
from store.checks import IngestChecks
from store.errors import GateError, NotFound
from store.gates import GatePolicy
from store.lineage import child_refs, children_of, lineage, parents_of
from store.query import Filters, list_sql
from store.risk import REJECTED_PARENT_POINTS, risk_score
from tests.factories import make_proposal
from tests.spies import calls_to

HARNESS_TREE = "ab" * 20  # every native proposal's base: shared, so never a lineage link


def native(store: ReviewStore, i: int, parent: str | None = None) -> str:
    return store.add_proposal(make_proposal(i, parent=parent, base=HARNESS_TREE), actor="ingest")


def finding(
    store: ReviewStore, fid: str, commit: str | None, parent: str | None = None, **extra
) -> str:
    original = {"id": fid, "title": f"finding {fid}", "content": "text",
                "commit_id": commit, "parent_commit_id": parent, **extra}  # fmt: skip
    p = NewProposal(
        agent=f"sandbox:{fid}", title=original["title"], summary="text",
        harness="w2s-sandbox", source_format="sandbox_finding", original=original,
        base=commit, parent=parent, external_id=fid,
    )  # fmt: skip
    return store.add_proposal(p, actor="ingest")


def ids(relatives) -> list[str]:
    return [r.id for r in relatives]


def test_parent_by_published_id_prefix_and_by_full_id(mem_store):
    root = native(mem_store, 0)
    short = native(mem_store, 1, parent=root[:12])
    full = native(mem_store, 2, parent=root)
    too_short = native(mem_store, 3, parent=root[:11])
    other_case = native(mem_store, 4, parent=root.upper())  # ids are lower-case hex
    assert ids(mem_store.lineage(short).parents) == [root]
    assert [r.via for r in mem_store.lineage(full).parents] == ["id"]
    for unmatched in (too_short, other_case):
        assert mem_store.lineage(unmatched).parents == []
    assert mem_store.lineage(too_short).parent == root[:11]
    family = mem_store.lineage(root)
    assert ids(family.children) == [short, full]
    assert family.children_total == 2


def test_children_match_exactly_what_parents_resolve(mem_store):
    root = native(mem_store, 0)
    kids = [native(mem_store, i, parent=root[: 12 + i]) for i in range(1, 4)]
    family = mem_store.lineage(root)
    assert ids(family.children) == kids  # oldest first
    assert family.children_total == 3
    for kid in kids:
        assert ids(mem_store.lineage(kid).parents) == [root]


def test_sandbox_commit_and_finding_id_links(mem_store):
    commit, child_commit = "1" * 40, "2" * 40
    a = finding(mem_store, "101", commit)
    b = finding(mem_store, "102", child_commit, parent=commit)
    c = native(mem_store, 7, parent="101")  # a native proposal naming a finding's id
    assert [(r.id, r.via) for r in mem_store.lineage(b).parents] == [(a, "commit")]
    assert [(r.id, r.via) for r in mem_store.lineage(c).parents] == [(a, "finding id")]
    family = mem_store.lineage(a)
    assert {(r.id, r.via) for r in family.children} == {(b, "commit"), (c, "finding id")}
    assert mem_store.lineage(b).children_total == 0


def test_a_shared_harness_base_links_nothing(mem_store):
    first = native(mem_store, 0)
    names_the_tree = native(mem_store, 1, parent=HARNESS_TREE)
    assert mem_store.lineage(names_the_tree).parents == []
    assert mem_store.lineage(first).children_total == 0


def test_a_proposal_is_never_its_own_relative(mem_store):
    a = finding(mem_store, "101", "3" * 40, parent="3" * 40)
    family = mem_store.lineage(a)
    assert family.parents == [] and family.children == [] and family.children_total == 0


def test_children_are_capped_and_counted(mem_store):
    root = native(mem_store, 0)
    for i in range(1, 8):
        native(mem_store, i, parent=root[:12])
    children, total = children_of(mem_store.conn, root, limit=3)
    assert len(children) == 3 and total == 7
    assert mem_store.lineage(root, limit=5).to_json()["children_total"] == 7


def test_to_json_shape(mem_store):
    root = native(mem_store, 0)
    kid = native(mem_store, 1, parent=root[:12])
    data = mem_store.lineage(kid).to_json()
    assert data == {
        "parent": root[:12],
        "parents": [{"id": root, "status": "pending", "agent": "agent-0",
                     "title": "Proposal 0: logconf with warm-up 0", "via": "id"}],
        "children": [],
        "children_total": 0,
    }  # fmt: skip


@pytest.mark.parametrize(
    ("sql_of", "index"),
    [
        # Counting children reads the index alone, however many there are.
        (lambda pid: ("SELECT count(*) FROM proposals WHERE parent IN (?, ?) AND rowid != ?",
                      [pid[:12], pid[:13], 1]), "COVERING INDEX proposals_parent"),
        (lambda pid: ("SELECT id FROM proposals WHERE external_id = ?", ["101"]),
         "INDEX proposals_external_id"),
        (lambda pid: ("SELECT id FROM proposals WHERE base = ? "
                      "AND source_format = 'sandbox_finding'", ["1" * 40]),
         "INDEX proposals_commit"),
    ],
)  # fmt: skip
def test_lookups_use_their_indexes(mem_store, sql_of, index):
    pid = native(mem_store, 0)
    finding(mem_store, "101", "1" * 40)
    sql, params = sql_of(pid)
    plan = " ".join(row[3] for row in mem_store.conn.execute(f"EXPLAIN QUERY PLAN {sql}", params))
    assert index in plan, plan


def test_module_functions_agree_with_the_store(mem_store):
    root = native(mem_store, 0)
    kid = native(mem_store, 1, parent=root[:12])
    assert ids(parents_of(mem_store.conn, kid, root[:12], limit=5)) == [root]
    assert lineage(mem_store.conn, kid).parents == mem_store.lineage(kid).parents


# -- the approval gate --------------------------------------------------------------------


@pytest.fixture
def only_lineage_gate(mem_store: ReviewStore) -> ReviewStore:
    mem_store.gate_policy = GatePolicy(block_rejected_parent=True)
    return mem_store


def test_a_rejected_parent_blocks_approval_until_overridden(only_lineage_gate):
    store = only_lineage_gate
    root = native(store, 0)
    kid = native(store, 1, parent=root[:12])
    assert store.gates(kid) == []
    store.reject(root, reason="reads the labels", actor="alice")
    assert store.gates(kid) == [f"builds on rejected proposal {root[:12]}"]
    with pytest.raises(GateError):
        store.approve(kid, reason="fine", actor="bob")
    assert store.get(kid)["status"] == "pending"
    store.approve(kid, reason="fine", actor="bob", override="it drops the parent's hack")
    assert store.get(kid)["status"] == "approved"
    assert [d["action"] for d in store.decisions(kid)] == ["override", "approve"]


def test_undoing_the_rejection_clears_the_gate(only_lineage_gate):
    store = only_lineage_gate
    root = native(store, 0)
    kid = native(store, 1, parent=root[:12])
    store.reject(root, reason="hack", actor="alice")
    store.undo(root, actor="alice")
    assert store.gates(kid) == []


def test_the_gate_follows_the_policy(mem_store):
    root = native(mem_store, 0)
    kid = native(mem_store, 1, parent=root[:12])
    mem_store.reject(root, reason="hack", actor="alice")
    assert mem_store.gates(kid, GatePolicy()) == []
    assert GatePolicy.defaults().block_rejected_parent
    off = dataclasses.replace(GatePolicy.defaults(), block_rejected_parent=False)
    assert not any("rejected" in g for g in mem_store.gates(kid, off))


# -- risk -------------------------------------------------------------------------------------


def test_a_rejected_parent_adds_risk_points_until_the_rejection_is_undone(mem_store):
    root = native(mem_store, 0)
    kid, bystander = native(mem_store, 1, parent=root[:12]), native(mem_store, 2)
    for pid in (kid, bystander):
        mem_store.record_checks(pid, "static", [], actor="checker")
    risk = {pid: mem_store.get(pid)["risk"] for pid in (kid, bystander)}
    mem_store.reject(root, reason="hack", actor="alice")
    assert mem_store.get(kid)["risk"] == risk[kid] + REJECTED_PARENT_POINTS
    assert mem_store.get(bystander)["risk"] == risk[bystander]
    mem_store.undo(root, actor="alice")
    assert mem_store.get(kid)["risk"] == risk[kid]
    mem_store.approve(root, reason="fine", actor="alice")  # approving moves nothing
    assert mem_store.get(kid)["risk"] == risk[kid]


@pytest.mark.parametrize("through_pending", [False, True])
def test_a_proposal_stored_after_the_rejection_carries_the_points(mem_store, through_pending):
    root = native(mem_store, 0)
    mid = native(mem_store, 1, parent=root[:12])
    mem_store.reject(root, reason="hack", actor="alice")
    claim = {"pgr": 0.6, "pgr_se": 0.02, "seeds": [1, 2, 3]}
    below = make_proposal(5, parent=(mid if through_pending else root)[:12], claimed=claim)
    apart = make_proposal(6, parent="elsewhere", claimed=claim)
    checker = lambda row: IngestChecks(source="static", checks=[], code="")  # noqa: E731
    [result] = mem_store.add_proposal_groups([[below, apart]], actor="ingest", checker=checker)
    a, b = result.added
    assert mem_store.get(a)["risk"] == mem_store.get(b)["risk"] + REJECTED_PARENT_POINTS
    assert mem_store.pending_line(root) == (2, True)


def test_risk_points_reach_down_the_line_through_pending_proposals(mem_store):
    root = native(mem_store, 0)
    mid = native(mem_store, 1, parent=root[:12])
    leaf = native(mem_store, 2, parent=mid[:12])
    below_leaf = native(mem_store, 3, parent=leaf[:12])
    line = (mid, leaf, below_leaf)
    for pid in line:
        mem_store.record_checks(pid, "static", [], actor="checker")
    risk = {pid: mem_store.get(pid)["risk"] for pid in line}

    def points() -> list[float]:
        return [round(mem_store.get(pid)["risk"] - risk[pid], 2) for pid in line]

    mem_store.reject(root, reason="reads the labels", actor="alice")
    assert points() == [REJECTED_PARENT_POINTS] * 3
    assert mem_store.pending_children(root) == 1
    assert mem_store.pending_line(root) == (3, True)
    # A reviewer who approves the middle one vouches for the line below it.
    mem_store.approve(mid, reason="fine", actor="bob", override="it drops the label read")
    assert points() == [REJECTED_PARENT_POINTS, 0.0, 0.0]
    assert mem_store.pending_line(root) == (0, True)
    mem_store.undo(mid, actor="bob")
    assert points() == [REJECTED_PARENT_POINTS] * 3
    mem_store.undo(root, actor="alice")
    assert points() == [0.0, 0.0, 0.0]


def test_a_chain_past_the_walks_reach_fails_the_gate_but_gains_no_points(mem_store,
                                                                         monkeypatch):
    import store.lineage as lineage_module

    monkeypatch.setattr(lineage_module, "MAX_ANCESTRY", 3)
    monkeypatch.setattr(lineage_module, "RISK_ANCESTRY", 3)
    mem_store.gate_policy = GatePolicy(block_rejected_parent=True)
    chain = [native(mem_store, 0)]
    for i in range(1, 6):
        chain.append(native(mem_store, i, parent=chain[-1][:12]))
    mem_store.record_checks(chain[-1], "static", [], actor="checker")
    row = mem_store.get(chain[-1])
    honest = row["risk"]
    [gate] = mem_store.gates(chain[-1])
    assert gate.startswith("its pending ancestry is too large to check")
    # Risk orders the queue: an honest long branch does not rise for its length alone.
    assert honest == risk_score(row["claimed_pgr"], [], None)
    mem_store.reject(chain[3], reason="hack", actor="alice")
    assert mem_store.get(chain[-1])["risk"] == honest + REJECTED_PARENT_POINTS


def test_a_long_honest_branch_passes_the_gate_and_a_rejection_at_its_root_blocks_its_tip(
    mem_store,
):
    # An agent's git branch builds each commit on the one before it.
    mem_store.gate_policy = GatePolicy(block_rejected_parent=True)
    chain = [native(mem_store, 0)]
    for i in range(1, 300):
        chain.append(native(mem_store, i, parent=chain[-1][:12]))
    assert mem_store.gates(chain[-1]) == []
    mem_store.reject(chain[0], reason="hack", actor="alice")
    [gate] = mem_store.gates(chain[-1])
    assert gate == (f"descends from rejected proposal {chain[0][:12]} through pending "
                    f"{chain[-2][:12]}, {chain[-3][:12]} and 295 more up to {chain[1][:12]}")


def test_a_decision_rescores_the_line_exactly_as_far_as_the_risk_walk_reaches(mem_store,
                                                                               monkeypatch):
    import store.lineage as lineage_module

    monkeypatch.setattr(lineage_module, "RISK_ANCESTRY", 3)
    monkeypatch.setattr("store.store_base.RISK_ANCESTRY", 3)
    chain = [native(mem_store, 0)]
    for i in range(1, 7):
        chain.append(native(mem_store, i, parent=chain[-1][:12]))
    for pid in chain[1:]:
        mem_store.record_checks(pid, "static", [], actor="checker")
    before = {pid: mem_store.get(pid)["risk"] for pid in chain[1:]}
    import store.checks as checks_module

    rescored: list[str] = []
    refresh = checks_module.refresh_risk
    monkeypatch.setattr(checks_module, "refresh_risk",
                        lambda conn, pid, reads=None: rescored.append(pid)
                        or refresh(conn, pid, reads))
    mem_store.reject(chain[0], reason="hack", actor="alice")
    assert rescored == chain[1:4]  # a long chain below costs no more than the walk's reach
    gained = [round(mem_store.get(pid)["risk"] - before[pid], 2) for pid in chain[1:]]
    assert gained == [REJECTED_PARENT_POINTS] * 3 + [0.0] * 3
    # The same as each proposal's own walk gives.
    assert [lineage_module.descends_from_rejected(mem_store.conn, pid) for pid in chain[1:]] == [
        True] * 3 + [False] * 3


@pytest.mark.parametrize("sort", ["risk", "newest", "title", "pgr", "status"])
def test_the_line_lists_what_descends_through_pending_proposals_in_the_sort_order(mem_store,
                                                                                  sort):
    root = native(mem_store, 0)
    k1 = native(mem_store, 1, parent=root[:12])
    g1 = native(mem_store, 2, parent=k1[:12])
    gg1 = native(mem_store, 3, parent=g1[:12])
    k2 = native(mem_store, 4, parent=root[:12])
    below_approved = native(mem_store, 5, parent=k2[:12])
    for i in range(6, 12):
        native(mem_store, i, parent="someone-else")
    mem_store.approve(k2, reason="fine", actor="bob", override="checked by hand")
    everything = [r["id"] for r in mem_store.list(sort=sort, limit=100)]
    line = {k1, g1, gg1, k2}  # an approved one ends the line: below_approved is not in it
    page = [r["id"] for r in mem_store.list(sort=sort, limit=100, builds_on=root, line=True)]
    assert page == [pid for pid in everything if pid in line]
    assert below_approved not in page
    assert mem_store.count(builds_on=root, line=True) == 4
    pending = mem_store.list(sort=sort, status="pending", builds_on=root[:8], line=True)
    assert {r["id"] for r in pending} == {k1, g1, gg1}
    assert mem_store.count(status="pending", builds_on=root, line=True) == 3
    assert mem_store.list(builds_on=gg1, line=True) == []
    assert mem_store.count(builds_on=gg1, line=True) == 0
    assert [r["id"] for r in mem_store.list(builds_on=root, line=True, sort=sort, limit=2,
                                            offset=1)] == page[1:3]
    # The line is remembered between pages, and walked again once the store changes.
    walks: list[str] = []
    mem_store.conn.set_trace_callback(lambda sql: walks.append(sql) if "parent IN" in sql else 0)
    mem_store.list(builds_on=root, line=True, sort=sort, offset=2)
    mem_store.conn.set_trace_callback(None)
    assert walks == []
    newest = native(mem_store, 20, parent=gg1[:12])
    assert mem_store.count(builds_on=root, line=True) == 5
    assert newest in {r["id"] for r in mem_store.list(builds_on=root, line=True, sort=sort)}


def test_the_walk_down_survives_cycles_and_says_when_it_stopped_short(mem_store, monkeypatch):
    import store.lineage as lineage_module

    a = native(mem_store, 0)
    kids = [native(mem_store, i, parent=a[:12]) for i in range(1, 5)]
    grandkid = native(mem_store, 9, parent=kids[0][:12])
    mem_store.conn.execute("UPDATE proposals SET parent = ? WHERE id = ?", (grandkid[:12], a))
    assert mem_store.pending_line(a) == (5, True)  # a itself is not counted again
    monkeypatch.setattr(lineage_module, "MAX_VISITED", 3)
    count, complete = mem_store.pending_line(a)
    assert not complete and count < 5


# -- the queue filter ---------------------------------------------------------------------------


@pytest.fixture
def family(mem_store: ReviewStore) -> tuple[ReviewStore, str, set[str]]:
    root = native(mem_store, 0)
    kids = {native(mem_store, i, parent=root[: 12 + i % 3]) for i in range(1, 12)}
    for i in range(12, 20):
        native(mem_store, i, parent="someone-else")
    mem_store.reject(sorted(kids)[0], reason="hack", actor="alice")
    return mem_store, root, kids


@pytest.mark.parametrize("walk_above", [2000, 2])  # the parent index, or walking the sort's
@pytest.mark.parametrize("sort", ["risk", "newest", "oldest", "title", "pgr", "agent", "status"])
def test_builds_on_keeps_exactly_the_children_in_the_sort_order(family, monkeypatch, sort,
                                                                 walk_above):
    store, root, kids = family
    monkeypatch.setattr("store.query_verbs.WALK_INDEX_MATCHES", walk_above)
    everything = [r["id"] for r in store.list(sort=sort, limit=100)]
    page = [r["id"] for r in store.list(sort=sort, limit=100, builds_on=root[:8])]
    assert page == [pid for pid in everything if pid in kids]
    assert store.count(builds_on=root) == len(kids) == 11
    pending = [r["id"] for r in store.list(sort=sort, status="pending", builds_on=root)]
    assert len(pending) == store.count(status="pending", builds_on=root) == 10
    assert [r["id"] for r in store.list(sort=sort, limit=3, offset=2, builds_on=root)] == page[2:5]


def test_builds_on_a_proposal_with_no_children_or_an_unknown_one(family):
    store, _root, kids = family
    assert store.list(builds_on=sorted(kids)[0]) == []
    assert store.count(builds_on=sorted(kids)[0]) == 0
    with pytest.raises(NotFound):
        store.list(builds_on="abcdef0123")


@pytest.mark.parametrize("sort", ["risk", "newest", "title"])
def test_a_children_page_with_other_filters_starts_from_the_parent_index(family, sort):
    store, root, _kids = family
    rowid, names = child_refs(store.conn, root)
    filters = Filters(status="pending", agent="agent-1", children_of=(rowid, tuple(names)))
    sql, params = list_sql(filters, sort, 100, 0)
    plan = " ".join(row[3] for row in store.conn.execute(f"EXPLAIN QUERY PLAN {sql}", params))
    assert "INDEX proposals_parent" in plan, plan
    assert "proposals_status" not in plan and "proposals_agent" not in plan, plan


def test_a_rejected_grandparent_blocks_through_a_pending_parent(only_lineage_gate):
    store = only_lineage_gate
    root = native(store, 0)
    mid = native(store, 1, parent=root[:12])
    leaf = native(store, 2, parent=mid[:12])
    store.reject(root, reason="reads the labels", actor="alice")
    assert store.gates(leaf) == [
        f"descends from rejected proposal {root[:12]} through pending {mid[:12]}"]
    with pytest.raises(GateError):
        store.approve(leaf, reason="fine", actor="bob")
    # A reviewer who approves the middle one (overriding its own gate) vouches for the line.
    store.approve(mid, reason="fine", actor="bob", override="it drops the label read")
    assert store.gates(leaf) == []
    store.undo(mid, actor="bob")
    store.reject(mid, reason="same hack", actor="bob")
    assert store.gates(leaf) == [f"builds on rejected proposal {mid[:12]}"]


def test_the_walk_up_survives_cycles_and_names_each_rejection_once(only_lineage_gate):
    store = only_lineage_gate
    a = native(store, 0)
    b_prop = native(store, 1, parent=a[:12])
    c = native(store, 2, parent=b_prop[:12])
    # Ids are content hashes, so no ingest makes a cycle; an agent's `parent` references can
    # still form one across proposal kinds, so make one in SQL: a <- b <- c, and b <- a.
    store.conn.execute("UPDATE proposals SET parent = ? WHERE id = ?", (b_prop[:12], a))
    assert store.gates(c) == []
    store.reject(a, reason="hack", actor="alice")
    assert store.gates(c) == [
        f"descends from rejected proposal {a[:12]} through pending {b_prop[:12]}"]


def test_an_ancestry_past_the_walk_fails_closed(only_lineage_gate, monkeypatch):
    import store.lineage as lineage_module

    reviewed = only_lineage_gate
    chain = [native(reviewed, 0)]
    for i in range(1, 6):
        chain.append(native(reviewed, i, parent=chain[-1][:12]))
    assert reviewed.gates(chain[-1]) == []
    monkeypatch.setattr(lineage_module, "MAX_ANCESTRY", 3)
    [gate] = reviewed.gates(chain[-1])
    assert gate.startswith("its pending ancestry is too large to check for rejected proposals")
    monkeypatch.setattr(lineage_module, "MAX_ANCESTRY", 100)
    monkeypatch.setattr(lineage_module, "MAX_VISITED", 2)
    assert reviewed.gates(chain[-1]) == [gate]
    assert reviewed.gates(chain[1]) == []  # one generation up: within both limits


def test_a_batch_of_checks_scores_a_long_line_with_each_lookup_once(mem_store, monkeypatch):
    import store.lineage as lineage_module

    root = native(mem_store, 0)
    line = [native(mem_store, 1, parent=root[:12])]
    for i in range(2, 40):
        line.append(native(mem_store, i, parent=line[-1][:12]))
    side = native(mem_store, 99, parent=line[5][:12])
    mem_store.reject(root, reason="hack", actor="alice")
    mem_store.approve(line[20], reason="fine", actor="bob", override="drops the hack")
    pending = [pid for pid in [*line, side] if pid != line[20]]
    calls = calls_to(monkeypatch, lineage_module, "parents_of", lambda conn, pid, *rest, **kw: pid)
    mem_store.record_checks_batch([(pid, []) for pid in pending], "static", actor="checker")
    batched = {pid: mem_store.get(pid)["risk"] for pid in pending}
    assert len(calls) == len(set(calls))  # each proposal's parents were looked up once
    calls.clear()
    for pid in pending:  # one at a time, each walk on its own (another source: the same
        mem_store.record_checks(pid, "claims", [], actor="checker")  # again writes nothing)
    assert {pid: mem_store.get(pid)["risk"] for pid in pending} == batched
    assert len(calls) > 3 * len(set(calls))
    # Above the approved one the line carries the points; below it, it does not.
    points = {pid: round(batched[pid] - batched[line[30]], 2) for pid in pending}
    assert points[line[0]] == points[line[19]] == points[side] == REJECTED_PARENT_POINTS
    assert points[line[21]] == points[line[38]] == 0


def test_a_name_thousands_share_is_read_only_as_far_as_the_limit(mem_store):
    """Copies of one commit name each other's parent: each lookup walked and sorted every copy
    (17 ms for 5,000), and a rejection rescoring 2,000 children paid it for each (24 s, the
    write lock held). The lookups walk their index in order and stop at the limit."""
    commit = "c0ffee" + "0" * 34
    copies = [finding(mem_store, f"f{i}", commit, parent=commit) for i in range(30)]
    statements: list[str] = []
    mem_store.conn.set_trace_callback(statements.append)
    parents = parents_of(mem_store.conn, copies[-1], commit, limit=5)
    mem_store.conn.set_trace_callback(None)
    assert ids(parents) == copies[:5]  # the earliest ingested first
    for sql in statements:
        if sql.startswith("SELECT") and "LIMIT" in sql:
            plan = " ".join(row[3] for row in mem_store.conn.execute(f"EXPLAIN QUERY PLAN {sql}"))
            assert "TEMP B-TREE" not in plan, (sql, plan)


def test_a_rejected_parent_behind_fifty_copies_still_fails_the_gate_closed(mem_store):
    """The walk follows the first 50 proposals a parent name matches: 50 pending copies of a
    commit ingested first hid a rejected one from the gate, which passed as complete."""
    from store.gates import unmet
    from store.lineage import rejected_ancestors

    commit = "d00d" + "0" * 36
    for i in range(50):
        finding(mem_store, f"decoy{i}", commit)
    rejected = finding(mem_store, "bad", commit)
    mem_store.reject(rejected, reason="hack", actor="alice")
    child = finding(mem_store, "child", "e" * 40, parent=commit)
    _, complete = rejected_ancestors(mem_store.conn, child)
    assert not complete
    policy = GatePolicy(require_rerun=False, require_ablation=False, block_high_checks=False,
                        block_rejected_parent=True)
    assert any("too large to check" in g and "one parent name" in g
               for g in unmet(mem_store.conn, child, policy))
