"""Small text utilities, documented (and tested) by example."""
__version__ = "0.5.0"
