"""The probe's files, loaded by path as the child loads them (they are not a package)."""
import importlib.util
from pathlib import Path

PROBE = Path(__file__).resolve().parents[1] / "server" / "tracefix" / "probe"


def load_probe(filename: str, name: str):
    """``probe/<filename>`` as a fresh module named ``name``."""
    spec = importlib.util.spec_from_file_location(name, PROBE / filename)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
