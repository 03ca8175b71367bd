"""Areas of plane shapes."""
import math


def _check(*lengths):
    for length in lengths:
        if length < 0:
            raise ValueError(f"negative length: {length}")


def rectangle(width, height):
    _check(width, height)
    return width * height


def square(side):
    return rectangle(side, side)


def circle(radius):
    _check(radius)
    return math.pi * radius * 2


def triangle(base, height):
    _check(base, height)
    return base * height / 2
