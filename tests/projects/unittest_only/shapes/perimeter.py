"""Perimeters of plane shapes."""
import math


def rectangle(width, height):
    return 2 * (width + height)


def circle(radius):
    return 2 * math.pi * radius
