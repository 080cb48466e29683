"""The SVG scatter on its own: axes, clamping, escaping."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from reviewer.report.plot import LEFT, SIDE, TOP, Point, scatter_svg

SVG = "{http://www.w3.org/2000/svg}"


def circles(svg: ET.Element) -> list[tuple[float, float, str]]:
    return [(float(c.get("cx")), float(c.get("cy")), c.get("fill"))
            for g in svg.iter(f"{SVG}g") for c in g.iter(f"{SVG}circle")]  # fmt: skip


def test_empty_plot_is_valid_and_spans_zero_to_one():
    svg = ET.fromstring(scatter_svg([]))
    assert svg.findall(f".//{SVG}g[@class='point']") == []
    labels = [t.text for t in svg.iter(f"{SVG}text")]
    assert "0" in labels and "1" in labels and "claimed PGR" in labels


def test_points_land_where_their_numbers_say():
    svg = ET.fromstring(scatter_svg([Point(1, "a", 0.0, 0.0, "reproduced"),
                                     Point(2, "b", 1.0, 0.5, "not_reproduced")]))  # fmt: skip
    (x0, y0, _), (x1, y1, fill) = circles(svg)
    assert (x0, y0) == (LEFT, TOP + SIDE)
    assert (x1, y1) == (LEFT + SIDE, TOP + SIDE / 2)
    assert fill == "#c62828"


def test_a_wild_claim_is_clamped_not_allowed_to_squash_the_axes():
    svg = ET.fromstring(scatter_svg([Point(1, "sane", 0.5, 0.5, "reproduced"),
                                     Point(2, "wild", 1e9, -1e9, "not_reproduced")]))  # fmt: skip
    (x0, y0, _), (x1, y1, fill) = circles(svg)
    assert LEFT < x0 < LEFT + SIDE and TOP < y0 < TOP + SIDE
    assert (x1, y1, fill) == (LEFT + SIDE, TOP + SIDE, "#ffffff")  # hollow at the corner
    titles = [g.findtext(f"{SVG}title") for g in svg.iter(f"{SVG}g")]
    assert any("off scale" in t for t in titles if t)


def test_labels_and_verdicts_are_escaped():
    label = '<script>x</script> & "q" \x1b[2J\u202e'
    text = scatter_svg([Point(1, label, 0.5, 0.4, 'odd"><script>', (0.3, 0.5))])
    assert "<script" not in text and "\x1b" not in text and "\u202e" not in text
    svg = ET.fromstring(text)
    g = svg.find(f".//{SVG}g[@class='point']")
    assert g.get("data-verdict") == 'odd"><script>'
    assert g.findtext(f"{SVG}title").startswith('#1 <script>x</script> & "q"')
