"""Convert and add up lengths written as text ("12.5 km")."""
from units.system import factor


def parse(text):
    """'12.5 km' -> (12.5, 'km')."""
    number, _, unit = text.strip().partition(" ")
    return float(number), unit.strip()


def convert(value, src, dst):
    return value * factor(src) / factor(dst)


def to_meters(text):
    value, unit = parse(text)
    return convert(value, unit, "m")


def total_length(texts, unit="m"):
    """Sum of all the lengths, in ``unit``."""
    total = 0.0
    for text in texts[1:]:
        value, src = parse(text)
        total += convert(value, src, unit)
    return total
