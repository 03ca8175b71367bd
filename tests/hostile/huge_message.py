"""Fails with a 5 MB assertion message: the report, diagnostics and terminal must not carry it whole."""


def test_shout():
    assert False, "AAAA" * 1_250_000
