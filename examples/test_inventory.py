from inventory import low_items, restock, sell


def test_sell_reduces_stock():
    stock = {"apple": 5}
    assert sell(stock, "apple", 2) is True
    assert stock["apple"] == 3


def test_sell_refuses_when_short():
    stock = {"apple": 1}
    assert sell(stock, "apple", 2) is False
    assert stock["apple"] == 1


def test_sell_unknown_item_is_refused():
    stock = {"apple": 1}
    assert sell(stock, "pear", 1) is False


def test_restock_and_low_items():
    stock = {}
    restock(stock, "pear", 2)
    restock(stock, "fig", 9)
    assert low_items(stock) == ["pear"]
