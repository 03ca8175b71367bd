"""Line and invoice totals."""
from invoicing.util import round_money


def bulk_discount(quantity):
    """Fraction taken off a line: 10% from 10 units, 20% from 100 units."""
    if quantity >= 100:
        return 0.2
    if quantity > 10:
        return 0.1
    return 0.0


def line_total(price, quantity):
    """Price times quantity, after the bulk discount."""
    gross = price * quantity
    return round_money(gross * (1 - bulk_discount(quantity)))


def invoice_total(lines, tax_rate=0.0):
    """Sum of the lines plus tax; ``lines`` holds (price, quantity) pairs."""
    subtotal = 0.0
    for price, quantity in lines:
        subtotal += line_total(price, quantity)
    return round_money(subtotal * (1 + tax_rate))
