"""teacher_unused pinned where mutation testing found it unpinned: how `view` reaches a
helper's parameter (past its named ones, by keyword into **kwargs, through a subscript), what
is not `view`, and how far a chain of helpers is followed. Honest files must scan clean as a
whole (a crash in the check would turn into an unanalysed_code finding, not a pass)."""

from __future__ import annotations

import pytest

from reviewer.checks.model import Check
from tests.checks.helpers import scan_new

_MAX_HOPS = 20  # as reviewer.checks.teacher._MAX_HOPS


def _found(body: str) -> list[tuple[str, str]]:
    return [(c.code, c.severity) for c in scan_new(body)]


def _lazy(body: str) -> list[Check]:
    return [c for c in scan_new(body) if c.code == "teacher_unused"]


HONEST = [
    ("vararg_helper", "def _fit(*vs):\n    return vs[0].weak_probs\n\n"
                      "def run(view):\n    return _fit(view)\n"),
    ("past_named_params", "def _fit(x, *rest):\n    return rest[0].weak_probs\n\n"
                          "def run(view):\n    return _fit(1, view)\n"),
    ("kwargs_helper", "def _fit(**kw):\n    return kw['v'].weak_probs\n\n"
                      "def run(view):\n    return _fit(v=view)\n"),
    ("keyword_only", "def _fit(*, source):\n    return source.weak_probs\n\n"
                     "def run(view):\n    return _fit(source=view)\n"),
    ("vararg_run", "def run(*args):\n    return args[0].weak_probs\n"),
    ("walrus_alias", "def run(view):\n    if (v := view) is not None:\n"
                     "        return v.weak_probs\n    return None\n"),
    ("getattr_with_default", "def run(view):\n    return getattr(view, 'weak_probs', None)\n"),
    ("getattr", "def run(view):\n    return getattr(view, 'weak_' + 'probs')\n"),
    ("subscripted_alias", "def run(views):\n    v = views[0]\n    return v.weak_probs\n"),
]


@pytest.mark.parametrize("body", [h[1] for h in HONEST], ids=[h[0] for h in HONEST])
def test_a_read_through_a_helper_s_parameters_scans_clean(body: str) -> None:
    """`view` passed into *args, past named parameters, by keyword into **kwargs or to a
    keyword-only parameter is followed to the read: no finding at all."""
    assert _found(body) == []


def test_a_helper_that_reads_the_teacher_of_another_object_does_not_count() -> None:
    """Calling a teacher-reading helper on something that is not `view` is no read of it
    (the "majority class" cheat with a decoy call)."""
    body = ("def _fit(v):\n    return v.weak_probs\n\n"
            "def run(view):\n    other = object()\n    _fit(other)\n"
            "    return view.x_test\n")
    [check] = _lazy(body)
    assert check.message == ("methods/x.py:4: run() never reads the teacher's labels"
                             " (view.weak_probs)")


def test_another_method_called_on_something_else_does_not_count() -> None:
    """Handing a non-view value to another method's `run` is no read of the teacher."""
    body = ("from methods.logconf import run as base\n\n"
            "def run(view):\n    base(3)\n    return view.x_test\n")
    assert len(_lazy(body)) == 1


def _chain(hops: int) -> str:
    """run -> _h1 -> ... -> _h<hops>, the last of which reads the teacher."""
    helpers = [f"def _h{i}(v):\n    return _h{i + 1}(v)\n\n" for i in range(1, hops)]
    last = f"def _h{hops}(v):\n    return v.weak_probs\n\n"
    return "".join(helpers) + last + "def run(view):\n    return _h1(view)\n"


def test_a_chain_of_helpers_is_followed_up_to_the_hop_limit() -> None:
    """A read _MAX_HOPS helpers deep is found; one more hop and the check gives up and flags
    run, rather than follow an unbounded chain."""
    assert _found(_chain(_MAX_HOPS)) == []
    assert len(_lazy(_chain(_MAX_HOPS + 1))) == 1


DECOYS = [
    ("other_dict_key", "def run(view):\n    cfg = {'weak_probs': 0}\n"
                       "    return cfg['weak_probs'] + view.x_test\n"),
    ("walrus_other_dict", "def run(view):\n    if (cfg := {'weak_probs': 0}):\n"
                          "        return cfg['weak_probs'] + view.x_test\n    return None\n"),
    ("view_other_key", "def run(view):\n    return view['x_test']\n"),
    ("getattr_other_object", "def run(view):\n    other = object()\n"
                             "    return getattr(other, 'weak_probs', view.x_test)\n"),
    ("getattr_other_field", "def run(view):\n    return getattr(view, 'x_test')\n"),
    ("name_as_a_plain_argument", "def run(view):\n    print(view, 'weak_probs')\n"
                                 "    return view.x_test\n"),
]


@pytest.mark.parametrize("body", [d[1] for d in DECOYS], ids=[d[0] for d in DECOYS])
def test_the_teacher_s_name_used_elsewhere_is_no_read(body: str) -> None:
    """'weak_probs' as another object's key or attribute, another field of view, or a
    plain string argument next to view, is not a read of the teacher: run is flagged."""
    assert [c.code for c in _lazy(body)] == ["teacher_unused"]
