"""The unit system: base factors of every known unit."""
from units.system.si import FACTORS, factor

__all__ = ["FACTORS", "factor"]
