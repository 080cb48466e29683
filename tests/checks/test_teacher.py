"""teacher_unused: a method whose run(view) never reads the teacher's labels."""

from __future__ import annotations

import pytest

from reviewer.checks.static import scan_diff
from tests.checks.helpers import ALLOW, modified_diff, scan_new

READS = [
    ("attribute", "def run(view):\n    return view.weak_probs\n"),
    ("test_probs", "def run(view):\n    return view.weak_test_probs\n"),
    ("getattr", "def run(view):\n    return getattr(view, 'weak_' + 'probs')\n"),
    ("subscript", "def run(view):\n    return view['weak_probs']\n"),
    ("alias_of_view", "def run(view):\n    v = view\n    return v.weak_probs\n"),
    ("helper_positional", "def _fit(x, v):\n    return v.weak_probs\n\n"
                          "def run(view):\n    return _fit(1, view)\n"),
    ("helper_keyword", "def _fit(*, source):\n    return source.weak_probs\n\n"
                       "def run(view):\n    return _fit(source=view)\n"),
    ("helper_chain", "def _a(v):\n    return _b(v)\n\ndef _b(w):\n    return w.weak_probs\n\n"
                     "def run(view):\n    return _a(view)\n"),
    ("other_method", "from methods.logconf import run as base\n\n"
                     "def run(view):\n    return base(view)\n"),
]
IGNORES = [
    ("never", "import torch\n\ndef run(view):\n"
              "    return torch.zeros(view.x_test.shape[0], dtype=torch.long)\n"),
    ("helper_ignores_it", "def _fit(v):\n    return v.x_test\n\n"
                          "def run(view):\n    return _fit(view)\n"),
    ("wrong_object", "def run(view):\n    other = object()\n    return other.weak_probs\n"),
    ("print_view", "def run(view):\n    print(view)\n    return view.x_test\n"),
    ("recursive_helpers", "def _a(v):\n    return _a(v)\n\ndef run(view):\n    return _a(view)\n"),
]


@pytest.mark.parametrize(("name", "body"), READS, ids=[r[0] for r in READS])
def test_reading_the_teacher_is_fine(name, body):
    assert [c for c in scan_new(body) if c.code == "teacher_unused"] == [], name


@pytest.mark.parametrize(("name", "body"), IGNORES, ids=[r[0] for r in IGNORES])
def test_ignoring_the_teacher_is_flagged(name, body):
    found = [c for c in scan_new(body) if c.code == "teacher_unused"]
    assert len(found) == 1, name
    line = body.splitlines().index(next(ln for ln in body.splitlines() if ln.startswith(
        "def run"))) + 1
    assert found[0].severity == "medium"
    assert found[0].message == (f"methods/x.py:{line}: run() never reads the teacher's labels"
                                " (view.weak_probs)")


def test_only_for_method_files_that_define_run():
    assert scan_new("def helper(view):\n    return view.x_test\n") == []
    outside = scan_new("def run(view):\n    return view.x_test\n", path="tools/x.py")
    assert "teacher_unused" not in {c.code for c in outside}


def test_not_judged_on_a_partial_view_of_a_modified_file():
    before = "def run(view):\n    x = view.weak_probs\n    return x\n"
    after = "def run(view):\n    x = view.weak_probs\n    y = 1\n    return x\n"
    assert scan_diff(modified_diff("methods/m.py", before, after, context=0), ALLOW) == []
