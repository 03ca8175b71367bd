"""Allocates without bound: only the address-space limit stops it."""


def hoard():
    chunks = []
    while True:
        chunks.append(bytearray(50 * 1024 * 1024))


def test_hoard():
    hoard()
