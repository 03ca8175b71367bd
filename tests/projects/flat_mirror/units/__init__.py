"""Unit conversions for lengths."""
__version__ = "1.4.0"
