from ledger.balance import running


def test_running():
    assert running([5, -2, 10]) == [5, 3, 13]
