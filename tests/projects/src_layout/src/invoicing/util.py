"""Money helpers shared by the invoicing modules."""
from decimal import ROUND_HALF_UP, Decimal


def round_money(amount):
    """Round to cents, halves away from zero (as the till does)."""
    return float(Decimal(str(amount)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def parse_quantity(text):
    """'3', ' 12 ' or '2x' -> an int quantity."""
    text = text.strip().rstrip("xX")
    quantity = int(text)
    if quantity < 0:
        raise ValueError(f"negative quantity: {quantity}")
    return quantity
