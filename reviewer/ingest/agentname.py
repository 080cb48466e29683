"""An agent's name as it is stored and grouped by: one spelling for each name a reader sees.

Names are compared as strings (`GROUP BY agent`, `list --agent`), but `agent\\u2011alpha`,
a fullwidth `\\uff41gent-alpha` and `agent-alpha` with a trailing no-break space all read as
`agent-alpha`. Compatibility forms and spacing are folded to one spelling here; what cannot
be folded without guessing (another dash, an invisible character, a look-alike letter) is
refused, so no agent can pass for another, or for no one.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from functools import lru_cache

from reviewer.ingest.fields import Where
from reviewer.lookalike import WORD, fold, invisible, mixes_scripts, script, shown

# Characters drawn like a hyphen that are not dash punctuation (category Pd) and that NFKC
# leaves alone, and the box-drawing lines.
_HYPHEN_LIKE = frozenset("\u02d7\u2043\u2212\u2796\u23af") | frozenset(
    map(chr, range(0x2500, 0x2580)))
# Latin letters past the plain alphabet that a name may hold: Latin-1 and Extended-A, the
# accented letters of European names, less the dotless i, kra and long s drawn like plain
# ones. IPA letters and small capitals outside it are drawn like plain letters.
_NAME_LATIN = frozenset(map(chr, range(0xC0, 0x180))) - set("\u0131\u0138\u017f\u00d7\u00f7")
# Scripts whose letters are mostly drawn like Latin ones; no honest agent is named in them.
_LOOK_ALIKE_SCRIPTS = frozenset({"CHEROKEE", "COPTIC", "LISU"})


def normalized(text: str) -> str:
    """`text` in NFKC with its whitespace stripped and each inner run made one space: the
    spelling names are stored under, for comparing a name a person typed."""
    return " ".join(unicodedata.normalize("NFKC", text).split())


def agent_name(raw: str, where: Where, field: str = "agent") -> str:
    """The name to store for `raw`, as `normalized` gives it; an error about `field` when
    `raw` could pass for another name: an invisible character, a dash or space other than
    ASCII's, a word mixing look-alike scripts, or nothing left to read."""
    why = _why_refused(raw)
    if why is not None:
        raise where.error(field, f'"{shown(raw)}" {why}')
    name = normalized(raw)
    if not name:
        raise where.error(field, "must not be empty")
    # No ASCII word looks alike (`_look_alike`), and a name's words are parts of it.
    word = None if name.isascii() else next(
        (w for w in WORD.findall(name) if _look_alike(w)), None)
    if word is not None:
        raise where.error(field, f'"{shown(raw)}" has a word written in look-alike letters '
                                 f'("{shown(word)}" reads as "{fold(word)}"), so it {_PASSES}')
    return name


def _why_refused(raw: str) -> str | None:
    """Why a character of `raw`, as NFKC writes it, makes the name ambiguous, or None."""
    if raw.isascii() and _CLEAN_ASCII.issuperset(raw):
        return None
    # Each distinct character once, in order of first use: the first refused one is the same.
    for char in dict.fromkeys(raw):
        why = _char_refused(char)
        if why is not None:
            return why
    return None


@lru_cache(maxsize=4096)
def _char_refused(char: str) -> str | None:
    """`_why_refused` of one character; cached, since names repeat and each check is slow."""
    # NFKC makes a fullwidth hyphen-minus "-" and a no-break space " ": only what is
    # left after it can be ambiguous.
    plain = unicodedata.normalize("NFKC", char)
    for test, what in _CHECKS:
        if any(test(c) for c in plain):
            return f"has {what} (U+{ord(char):04X}), so it {_PASSES}"
    return None


def _dash(char: str) -> bool:
    return char != "-" and (unicodedata.category(char) == "Pd" or char in _HYPHEN_LIKE)


def _space(char: str) -> bool:
    return char != " " and (char.isspace() or unicodedata.category(char) == "Zs")


def _control(char: str) -> bool:
    return not char.isprintable() and not _space(char)


def _odd_letter(char: str) -> bool:
    """A letter drawn like a plain Latin one: an IPA letter or small capital, or a letter of a
    script made of Latin look-alikes."""
    name = script(char)
    if name == "LATIN":
        # An accented plain letter (Vietnamese ễ, say) decomposes to that letter.
        base = unicodedata.normalize("NFD", char)[0]
        return not base.isascii() and char not in _NAME_LATIN
    return name in _LOOK_ALIKE_SCRIPTS


_PASSES = "could pass for another agent's name"
_CHECKS: tuple[tuple[Callable[[str], bool], str], ...] = (
    (invisible, "an invisible or blank character"),
    (_dash, 'a dash other than "-"'),
    (_space, 'a space other than " "'),
    (_control, "a control or line-separator character"),
    (_odd_letter, "a letter drawn like a plain Latin one"),
)

# The ASCII characters `_char_refused` lets through, found by asking it.
_CLEAN_ASCII = frozenset(c for c in map(chr, range(128)) if _char_refused(c) is None)


def _look_alike(word: str) -> bool:
    """Whether `word` mixes look-alike scripts, or is written wholly in letters of another
    script drawn like Latin ones (a Cyrillic "alpha")."""
    return mixes_scripts(word) or (not word.isascii() and fold(word).isascii())
