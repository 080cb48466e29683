"""`reviewer report`: reviewed proposals as a Markdown or self-contained HTML document.

`collect` gathers the data from the store, `markdown` and `html` render it, and `plot`
draws the claimed-against-measured PGR scatter as a dependency-free SVG.
"""
