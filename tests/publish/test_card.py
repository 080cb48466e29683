"""The provenance card renders hostile titles, datasets and reasons as plain text."""

from __future__ import annotations

import html
import re

from reviewer.publish import PublishConfig, publish
from tests.mdrender import live_elements, to_html
from tests.publish.helpers import CLAIM, add, approve, finish_rerun

TITLE = "Great [click](http://evil.example/phish) ![](http://evil.example/pixel.png)"
DATASET = "[docs](http://evil.example/d)"
REASON = "<img src=x onerror=alert(1)> <script>x</script> `a` ``b`` | *c* _d_ # e"
SUMMARY = "See ![](http://evil.example/p.png) and <b>this</b>.\n```\n[x](http://evil.example)"


def hostile_card(mem_store, tmp_path) -> str:
    pid = add(mem_store, 1, title=TITLE, summary=SUMMARY, claimed={**CLAIM, "dataset": DATASET})
    finish_rerun(mem_store, pid)
    approve(mem_store, pid, reason=REASON)
    result = publish(mem_store, pid, actor="alice", config=PublishConfig(folder=tmp_path / "f"))
    return result.file.with_suffix(".md").read_text()


def plain(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", fragment))


def test_hostile_agent_text_renders_as_itself_with_no_link_image_or_html(mem_store, tmp_path):
    card = hostile_card(mem_store, tmp_path)
    page = to_html(card)
    assert live_elements(card) == []
    [heading] = re.findall(r"<h1>(.*?)</h1>", page)
    assert plain(heading) == TITLE
    assert f"<td>{html.escape(DATASET, quote=False)}</td>" in page
    assert any(plain(c) == REASON for c in re.findall(r"<td>(.*?)</td>", page))
    # The summary stays verbatim inside its fence.
    [block] = re.findall(r"<pre><code[^>]*>(.*?)</code></pre>", page, re.S)
    assert html.unescape(block) == SUMMARY + "\n"
