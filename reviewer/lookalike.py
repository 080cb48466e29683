"""Text that reads as other text: invisible characters, look-alike letters and punctuation.

An agent can write `be\u200bst of 10`, "labels" with a Cyrillic a, or `agent\u2011alpha` with
a non-breaking hyphen: each reads as the plain word to a reviewer but is another string to a
regular expression, a full-text index or a GROUP BY. These helpers fold such text to what a
reader sees, and find words that mix look-alike scripts, so that checks and identities judge
what is on the screen.
"""

from __future__ import annotations

import re
import unicodedata

# Characters that draw as nothing but are not format characters (category Cf): Hangul
# fillers and the braille blank let a name look empty.
BLANK_LOOKING = frozenset("\u115f\u1160\u3164\uffa0\u2800")
# Default-ignorable marks outside category Cf, which a terminal draws as nothing: the
# combining grapheme joiner, Khmer inherent vowels, Mongolian variation selectors and the
# variation selectors (U+FE00..FE0F and U+E0100..E01EF).
_IGNORABLE = re.compile("[\u034f\u17b4\u17b5\u180b-\u180f\ufe00-\ufe0f\U000e0100-\U000e01ef]")

# Scripts whose letters are drawn like Latin ones; a word mixing one with Latin, or two of
# them, is a look-alike rather than anything a writer means.
CONFUSABLE_SCRIPTS = frozenset({"CYRILLIC", "GREEK", "ARMENIAN", "CHEROKEE", "COPTIC", "LISU"})
# Letters of other scripts drawn like a Latin letter, by Unicode name (written by name so
# the source holds no look-alike itself), each with the Latin letter it passes for. Greek
# letters without a Latin twin (mu in "mus", sigma, lambda) are ordinary in research prose.
_TWIN_NAMES: dict[str, dict[str, str]] = {
    "CYRILLIC": {
        "SMALL LETTER A": "a",
        "SMALL LETTER VE": "b",
        "SMALL LETTER IE": "e",
        "SMALL LETTER O": "o",
        "SMALL LETTER ER": "p",
        "SMALL LETTER ES": "c",
        "SMALL LETTER U": "y",
        "SMALL LETTER HA": "x",
        "SMALL LETTER BYELORUSSIAN-UKRAINIAN I": "i",
        "SMALL LETTER JE": "j",
        "SMALL LETTER DZE": "s",
        "SMALL LETTER KOMI DE": "d",
        "SMALL LETTER SHHA": "h",
        "SMALL LETTER PALOCHKA": "l",
        "SMALL LETTER QA": "q",
        "SMALL LETTER WE": "w",
        "SMALL LETTER STRAIGHT U": "y",
        "CAPITAL LETTER A": "A",
        "CAPITAL LETTER VE": "B",
        "CAPITAL LETTER IE": "E",
        "CAPITAL LETTER KA": "K",
        "CAPITAL LETTER EM": "M",
        "CAPITAL LETTER EN": "H",
        "CAPITAL LETTER O": "O",
        "CAPITAL LETTER ER": "P",
        "CAPITAL LETTER ES": "C",
        "CAPITAL LETTER TE": "T",
        "CAPITAL LETTER HA": "X",
        "CAPITAL LETTER BYELORUSSIAN-UKRAINIAN I": "I",
        "CAPITAL LETTER JE": "J",
        "CAPITAL LETTER DZE": "S",
        "CAPITAL LETTER STRAIGHT U": "Y",
        "CAPITAL LETTER KOMI DE": "D",
    },
    "GREEK": {
        "SMALL LETTER ALPHA": "a",
        "SMALL LETTER IOTA": "i",
        "SMALL LETTER OMICRON": "o",
        "SMALL LETTER NU": "v",
        "SMALL LETTER RHO": "p",
        "CAPITAL LETTER ALPHA": "A",
        "CAPITAL LETTER BETA": "B",
        "CAPITAL LETTER EPSILON": "E",
        "CAPITAL LETTER ZETA": "Z",
        "CAPITAL LETTER ETA": "H",
        "CAPITAL LETTER IOTA": "I",
        "CAPITAL LETTER KAPPA": "K",
        "CAPITAL LETTER MU": "M",
        "CAPITAL LETTER NU": "N",
        "CAPITAL LETTER OMICRON": "O",
        "CAPITAL LETTER RHO": "P",
        "CAPITAL LETTER TAU": "T",
        "CAPITAL LETTER UPSILON": "Y",
        "CAPITAL LETTER CHI": "X",
    },
    # Latin letters outside the plain alphabet drawn like one of it: IPA, small capitals.
    "LATIN": {
        "SMALL LETTER ALPHA": "a",
        "SMALL LETTER SCRIPT G": "g",
        "SMALL LETTER IOTA": "i",
        "SMALL LETTER DOTLESS I": "i",
        "SMALL LETTER DOTLESS J": "j",
        "LETTER SMALL CAPITAL A": "a",
        "LETTER SMALL CAPITAL C": "c",
        "LETTER SMALL CAPITAL I": "i",
        "LETTER SMALL CAPITAL O": "o",
        "LETTER SMALL CAPITAL U": "u",
        "LETTER SMALL CAPITAL V": "v",
        "LETTER SMALL CAPITAL W": "w",
        "LETTER SMALL CAPITAL Z": "z",
    },
    "ARMENIAN": {
        "SMALL LETTER OH": "o",
        "SMALL LETTER SEH": "u",
        "SMALL LETTER HO": "h",
        "SMALL LETTER VO": "n",
        "SMALL LETTER CO": "g",
        "SMALL LETTER KEH": "q",
    },
}
_TWIN_OF = {
    unicodedata.lookup(f"{script} {name}"): latin
    for script, letters in _TWIN_NAMES.items()
    for name, latin in letters.items()
}
_TWINS = str.maketrans(_TWIN_OF)
# Dashes and minus signs NFKC leaves alone, all drawn like "-".
_DASHES = re.compile("[\u2010-\u2015\u2043\u2212\u2e3a\u2e3b\ufe58]")
WORD = re.compile(r"[^\W\d_]+")  # a run of letters, in any script
_GREEK = "".join(map(chr, [*range(0x0370, 0x0400), *range(0x1F00, 0x2000)]))


def invisible(char: str) -> bool:
    """Whether `char` draws as nothing: a format character (zero-width space and joiner,
    soft hyphen, word joiner, bidi controls, BOM), a variation selector or joining mark, or a
    blank-looking letter."""
    return (unicodedata.category(char) == "Cf" or char in BLANK_LOOKING
            or _IGNORABLE.match(char) is not None)


def strip_invisible(text: str) -> str:
    """`text` without the characters that draw as nothing."""
    if text.isascii():
        return text
    return "".join(c for c in text if not invisible(c))


def fold(text: str) -> str:
    """What `text` reads as: invisible characters dropped, compatibility forms (fullwidth,
    mathematical letters, ligatures, no-break spaces) made plain, dashes made "-", and
    letters of other scripts drawn like Latin ones made Latin."""
    if text.isascii():
        return text
    text = unicodedata.normalize("NFKC", strip_invisible(text))
    return _DASHES.sub("-", text).translate(_TWINS)


def script(char: str) -> str | None:
    """The script of a letter as Unicode names it (LATIN, CYRILLIC, ...); None otherwise."""
    if not char.isalpha():
        return None
    name = unicodedata.name(char, "")
    return name.split(" ", 1)[0] if name else None


def mixes_scripts(word: str) -> bool:
    """Whether `word` mixes Latin letters with look-alike letters of another script, or two
    such scripts: "labels" with a Cyrillic a, not "\u03bcs" or a word wholly in Cyrillic."""
    if word.isascii():
        return False
    # Distinct characters only: a hostile 200,000-letter word costs its alphabet, not its length.
    letters = [(c, script(c)) for c in set(unicodedata.normalize("NFKC", "".join(set(word))))]
    scripts = {name for _, name in letters if name is not None}
    if "LATIN" in scripts:
        return any((name in CONFUSABLE_SCRIPTS and (name != "GREEK" or c in _TWIN_OF))
                   or (name == "LATIN" and c in _TWIN_OF) for c, name in letters)
    return len(scripts & CONFUSABLE_SCRIPTS) > 1


def mixed_words(text: str) -> list[str]:
    """The distinct words of `text` that mix look-alike scripts, in order of appearance.

    Greek letters at either end of a word are notation (`K\u03b1`, `\u03b1t`, `\u03c1s`), not
    disguise, and are left out of the judgement; one inside a Latin word is not.
    """
    if text.isascii():
        return []
    found: dict[str, None] = {}
    for word in WORD.findall(strip_invisible(text)):
        # strip(), not a `[greek]+$` pattern, which is retried from every letter of a run.
        core = unicodedata.normalize("NFKC", word).strip(_GREEK)
        if core and mixes_scripts(core):
            found.setdefault(word)
    return list(found)


def shown(text: str) -> str:
    """`text` with every non-ASCII character written as its code point, for messages that
    must tell a look-alike from the real thing (`agent\\u2011alpha`)."""
    return text.encode("ascii", "backslashreplace").decode("ascii")
