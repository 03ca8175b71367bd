"""Low-level helpers shared by the textkit modules.

>>> words("Hello,  World!")
['hello', 'world']
"""
import re

_WORD = re.compile(r"[a-z0-9]+")


def words(text):
    """Lower-cased runs of letters and digits.

    >>> words("  Already-slugged  ")
    ['already', 'slugged']
    """
    return _WORD.findall(text.lower())


def ellipsis(width):
    """The marker put at the end of cut text (shorter when there is no room).

    >>> ellipsis(10)
    '...'
    >>> ellipsis(2)
    '..'
    """
    return "..."[:width]
