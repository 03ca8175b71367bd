import pytest

from invoicing.core import bulk_discount, invoice_total, line_total


def test_line_total_without_discount():
    assert line_total(2.50, 4) == 10.00


def test_invoice_total(small_order):
    assert invoice_total(small_order) == 21.00


def test_invoice_total_with_tax(small_order):
    assert invoice_total(small_order, tax_rate=0.2) == 25.20


@pytest.mark.parametrize("quantity", [0, 1, 9])
def test_no_discount_for_small_quantities(quantity):
    assert bulk_discount(quantity) == 0.0


def test_bulk_discount_thresholds():
    assert bulk_discount(10) == 0.1
    assert bulk_discount(99) == 0.1
    assert bulk_discount(100) == 0.2
