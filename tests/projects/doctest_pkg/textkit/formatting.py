"""Formatting for titles, slugs and previews.

>>> slugify("Hello,  World!")
'hello-world'
>>> truncate(slugify("A rather long title"), 12)
'a-rather-...'
"""
from . import helpers


def slugify(text, sep="-"):
    """URL-friendly form of a title.

    >>> slugify("  Already-slugged  ")
    'already-slugged'
    >>> slugify("Q3 report", sep="_")
    'q3_report'
    """
    return sep.join(helpers.words(text))


def truncate(text, width):
    """Cut ``text`` to at most ``width`` characters, marking the cut.

    >>> truncate("abcdefgh", 5)
    'ab...'
    >>> truncate("abc", 5)
    'abc'
    >>> truncate("abcde", 5)
    'abcde'
    """
    if len(text) < width:
        return text
    marker = helpers.ellipsis(width)
    return text[: width - len(marker)] + marker


def title(text):
    """Title case, keeping short words lower-case.

    >>> title("the lord of the rings")
    'The Lord of the Rings'
    """
    small = {"a", "an", "of", "the", "and", "or"}
    out = []
    for i, word in enumerate(text.split()):
        out.append(word if i and word in small else word.capitalize())
    return " ".join(out)
