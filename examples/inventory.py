"""A tiny stock ledger: restock and sell items, report what is low.

Bug: selling an item that is not stocked raises KeyError instead of refusing the sale.
"""


def sell(stock, item, qty):
    """Remove ``qty`` of ``item`` from ``stock``; return False if there is not enough."""
    have = stock[item]
    if have < qty:
        return False
    stock[item] = have - qty
    return True


def restock(stock, item, qty):
    stock[item] = stock.get(item, 0) + qty
    return stock[item]


def low_items(stock, threshold=3):
    return sorted(name for name, qty in stock.items() if qty < threshold)
