# -*- coding: latin-1 -*-
"""Latin-1 source: the bytes of this file are not UTF-8 (café, naïve, ©)."""


def greet(name):
    return "bonjour " + name


def test_greet():
    assert greet("café") == "bonjour café"
    assert len("é") == 1
