"""In the HTML report's plot, each verdict has its own marker shape, in the legend too, so the
verdicts differ without colour (red and green are alike in luminance and to a colour-blind eye)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from reviewer.report.collect import collect
from reviewer.report.html import render
from reviewer.report.plot import Point, scatter_svg
from store import ReviewStore
from tests.report.helpers import populated

SVG = "{http://www.w3.org/2000/svg}"
COLOUR = {"fill", "stroke", "stroke-width"}
Shape = tuple[tuple[str, tuple[str, ...]], ...]


def svg_of(page: str) -> ET.Element:
    match = re.search(r"<svg\b.*?</svg>", page, re.S)
    assert match is not None
    return ET.fromstring(match.group())


def shape(parts: list[ET.Element]) -> Shape:
    """A marker as seen in greyscale: its elements and which attributes they set, less colours
    and positions (a rect's size and a rotation are kept, as they change the outline)."""
    kept = {"r", "width", "height"}
    out = []
    for part in parts:
        tag = part.tag.removeprefix(SVG)
        if tag in ("title", "text") or (tag == "line" and part.get("stroke-width") == "1.5"):
            continue  # the label, the number and the CI bar are shared by every verdict
        attrs = [f"{k}={v}" for k, v in part.attrib.items() if k in kept]
        attrs += ["rotated"] * ("transform" in part.attrib)
        out.append((tag, tuple(sorted(attrs))))
    return tuple(out)


def point_shapes(svg: ET.Element) -> dict[str, set[Shape]]:
    shapes: dict[str, set[Shape]] = {}
    for g in svg.iter(f"{SVG}g"):
        if g.get("class") == "point":
            shapes.setdefault(g.get("data-verdict", ""), set()).add(shape(list(g)))
    return shapes


def legend_shapes(svg: ET.Element) -> dict[str, Shape]:
    parts: dict[str, list[ET.Element]] = {}
    for element in svg.iter():
        if element.get("class") == "key":
            parts.setdefault(element.get("data-verdict", ""), []).append(element)
    return {verdict: shape(found) for verdict, found in parts.items()}


def test_the_report_plot_draws_each_verdict_in_its_own_shape(mem_store: ReviewStore):
    populated(mem_store)
    svg = svg_of(render(collect(mem_store, clock=lambda: "2026-02-01T00:00:00+00:00")))
    points = point_shapes(svg)
    assert set(points) == {"reproduced", "not_reproduced"}
    assert all(len(found) == 1 for found in points.values())
    assert points["reproduced"] != points["not_reproduced"]
    legend = legend_shapes(svg)
    assert set(legend) >= {"reproduced", "not_reproduced"}
    assert legend["reproduced"] != legend["not_reproduced"]
    # The legend's marker is the plot's marker.
    assert {legend["reproduced"]} == points["reproduced"]
    assert {legend["not_reproduced"]} == points["not_reproduced"]


def test_every_verdict_has_a_distinct_marker_and_odd_verdicts_stay_escaped():
    verdicts = ["reproduced", "not_reproduced", "failed", "refused", 'odd"><script>']
    text = scatter_svg([Point(i, "p", 0.5, 0.5, v) for i, v in enumerate(verdicts, start=1)])
    assert "<script" not in text
    svg = ET.fromstring(text)
    points = point_shapes(svg)
    assert len({next(iter(points[v])) for v in verdicts}) == len(verdicts)
    legend = legend_shapes(svg)
    assert set(legend) == set(verdicts)
    assert len(set(legend.values())) == len(verdicts)


def test_a_verdict_with_control_characters_leaves_the_svg_well_formed():
    # XML allows no control characters at all, escaped or not: \x01 made the SVG unreadable.
    text = scatter_svg([Point(1, "p\x02", 0.5, 0.5, "odd\x01\x1b[31m")])
    svg = ET.fromstring(text)
    assert set(point_shapes(svg)) == {"odd"}
