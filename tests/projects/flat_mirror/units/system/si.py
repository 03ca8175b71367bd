"""SI length units, as multiples of the metre."""

FACTORS = {
    "mm": 0.001,
    "cm": 0.01,
    "m": 1.0,
    "km": 1000.0,
}


def factor(unit):
    try:
        return FACTORS[unit]
    except KeyError:
        raise ValueError(f"unknown unit: {unit!r}") from None
