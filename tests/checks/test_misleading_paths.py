"""A diff path that reads as another is flagged at ingest, as a rerun would refuse it."""

from __future__ import annotations

from reviewer.checks.static import scan_diff

CYRILLIC_O = "\u043e"


def _adds(path: str) -> str:
    return (f"diff --git a/{path} b/{path}\nnew file mode 100644\n--- /dev/null\n"
            f"+++ b/{path}\n@@ -0,0 +1,2 @@\n+def run(view):\n+    return view\n")


def test_a_decoy_beside_the_real_file_is_flagged_high() -> None:
    decoy = f"methods/l{CYRILLIC_O}gconf_warm.py"
    diff = _adds("methods/logconf_warm.py") + _adds(decoy)
    checks = scan_diff(diff, ("methods/",))
    flagged = [c for c in checks if c.code == "unsafe_file"]
    assert len(flagged) == 1
    assert flagged[0].severity == "high"
    assert "l\\u043egconf_warm.py" in flagged[0].message
    assert flagged[0].message.isascii()


def test_a_plain_path_raises_no_unsafe_file() -> None:
    checks = scan_diff(_adds("methods/logconf_warm.py"), ("methods/",))
    assert not [c for c in checks if c.code == "unsafe_file"]
