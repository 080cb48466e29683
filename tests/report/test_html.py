"""The HTML report: well-formed, self-contained, locked down, with one point per measurement."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import pytest

from reviewer.report.collect import collect
from reviewer.report.html import CSP, render
from tests.report.helpers import BIDI, HOSTILE, hostile, populated

SVG = "{http://www.w3.org/2000/svg}"
VOID = {"meta", "br", "hr", "img", "input", "link", "wbr", "col", "area", "base", "source"}
SVG_LEAVES = {"line", "rect", "circle"}


class Tree(HTMLParser):
    """Checks nesting as it parses and records every tag, attribute and text run."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.errors: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
        else:
            self.stack.pop()

    def handle_data(self, data):
        self.text.append(data)


def parse(page: str) -> Tree:
    tree = Tree()
    tree.feed(page)
    tree.close()
    assert tree.errors == [] and tree.stack == [], (tree.errors, tree.stack)
    return tree


def svg_of(page: str) -> ET.Element:
    match = re.search(r"<svg\b.*?</svg>", page, re.S)
    assert match is not None
    return ET.fromstring(match.group())


@pytest.fixture
def page(mem_store):
    ids = populated(mem_store)
    return ids, render(collect(mem_store, clock=lambda: "2026-02-01T00:00:00+00:00"))


def test_well_formed_and_self_contained(page):
    _, text = page
    assert text.startswith("<!DOCTYPE html>")
    tree = parse(text)
    metas = [a for t, a in tree.tags if t == "meta"]
    assert {"http-equiv": "Content-Security-Policy", "content": CSP} in metas
    assert CSP == "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
    for tag, attrs in tree.tags:
        assert tag not in ("script", "a", "img", "link", "iframe", "object"), tag
        assert not {"href", "src", "xlink:href", "style"} & set(attrs), (tag, attrs)
        assert not any(name.startswith("on") for name in attrs), (tag, attrs)
    # The only URL in the page is the SVG namespace name, which loads nothing.
    assert re.findall(r"https?://[^\s\"<]+", text) == ["http://www.w3.org/2000/svg"]


def test_sections_tables_and_audit(page, mem_store):
    _, text = page
    tree = parse(text)
    body = " ".join(tree.text)
    head = mem_store.verify()
    assert f"head: event {head.head_seq}, hash {head.head_hash}" in re.sub(r"\s+", " ", body)
    assert "reviewer audit verify at report time: ok" in re.sub(r"\s+", " ", body)
    ids_in_sections = [a.get("id") for t, a in tree.tags if t == "section"]
    assert ids_in_sections[:6] == ["audit", "summary", "agents", "plot", "overview", "proposals"]
    assert ids_in_sections[6:] == ["p1", "p2", "p3", "p4"]
    assert '<td>agent-2</td><td class="n">1</td>' in text and '<td class="n">+0.300</td>' in text
    assert "| 0.810 |" not in text and '<td class="n">0.810</td>' in text
    assert "no GPU on this machine today" in body and "approve (reverted)" in body
    assert "override by dana@example.org" in body


def test_plot_has_one_point_per_measured_proposal(page):
    ids, text = page
    svg = svg_of(text)
    points = svg.findall(f".//{SVG}g[@class='point']")
    assert sorted(p.get("data-verdict") for p in points) == ["not_reproduced", "reproduced"]
    titles = [p.find(f"{SVG}title").text for p in points]
    assert any(t.startswith("#1 ") and "claimed 0.610, measured 0.600" in t for t in titles)
    assert len(svg.findall(f".//{SVG}line[@class='diagonal']")) == 1
    # The unmeasured ones are listed under the plot instead.
    tree = parse(text)
    listed = " ".join(tree.text)
    assert "Not measured (no finished rerun of the decided diff)" in listed
    unplotted = text[text.index('<ul class="unplotted">') :]
    unplotted = unplotted[: unplotted.index("</ul>")]
    assert unplotted.count("<li>") == 2
    assert ids["override"][:12] in unplotted and ids["undone"][:12] in unplotted


def test_hostile_text_is_escaped(mem_store):
    populated(mem_store)
    pid = hostile(mem_store)
    text = render(collect(mem_store))
    assert pid in text
    assert "\x1b" not in text
    assert not set(BIDI) & set(text)
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]", text)
    assert "<script" not in text.lower() and "&lt;script&gt;" in text
    tree = parse(text)
    allowed = {"html", "head", "meta", "title", "style", "body", "h1", "h2", "h3", "h4", "p",
               "section", "ul", "li", "table", "thead", "tbody", "tr", "th", "td", "code",
               "span", "pre", "figure", "figcaption", "svg", "g", "line", "rect", "circle",
               "text"}  # fmt: skip
    assert {t for t, _ in tree.tags} <= allowed
    # The agent's markup comes back out of the parser as text, not as elements.
    assert any("<script>alert(1)</script>" in run for run in tree.text)
    svg = svg_of(text)
    hostile_point = [p for p in svg.iter(f"{SVG}g") if "APPROVED" in
                     (p.findtext(f"{SVG}title") or "")]  # fmt: skip
    assert len(hostile_point) == 1
    assert "\u202e" not in hostile_point[0].findtext(f"{SVG}title")
    assert HOSTILE not in text
