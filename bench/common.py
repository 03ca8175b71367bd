"""Helpers shared by the corpus benchmarks: corpus loading, deterministic sampling, tables."""
from __future__ import annotations

import contextlib
import json
import random
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "bench" / "corpus" / "generated"
RESULTS = ROOT / "bench" / "results"
for path in (ROOT, ROOT / "server"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))


def load_corpus(corpus: Path = CORPUS) -> list[dict]:
    index = corpus / "index.json"
    if not index.exists():
        raise SystemExit(f"error: no corpus at {corpus}; build it with `make bench-corpus`")
    return json.loads(index.read_text())["programs"]


def select(programs: list[dict], sample: int = 0, limit: int = 0, seed: int = 0,
           source: str | None = None) -> list[dict]:
    """Deterministic subset: optional source filter, then a seeded sample split evenly across
    sources (so a small sample still covers both), then the first ``limit``."""
    chosen = [p for p in programs if source in (None, p["source"])]
    if sample and sample < len(chosen):
        sources = sorted({p["source"] for p in chosen})
        rng = random.Random(seed)
        picked = []
        for i, name in enumerate(sources):
            group = [p for p in chosen if p["source"] == name]
            share = sample // len(sources) + (1 if i < sample % len(sources) else 0)
            picked += rng.sample(group, min(share, len(group)))
        chosen = sorted(picked, key=lambda p: p["id"])
    return chosen[:limit] if limit else chosen


def rate(hits: int, total: int) -> float | None:
    return round(hits / total, 4) if total else None


def median(values: list[float]) -> float | None:
    return round(statistics.median(values), 3) if values else None


def table(headers: list[str], rows: list[list]) -> str:
    def cell(v) -> str:
        if v is None:
            return "-"
        if isinstance(v, float):
            return f"{v:.1%}" if v <= 1.0 else f"{v:.2f}"
        return str(v)

    cells = [headers] + [[cell(v) for v in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = ["  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths))) for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


@contextlib.contextmanager
def program_copy(corpus: Path, program: dict, prefix: str):
    """A scratch copy of one corpus program (its meta.json left out), removed afterwards; yields the module's path."""
    with tempfile.TemporaryDirectory(prefix=prefix) as scratch:
        folder = Path(scratch) / program["id"]
        shutil.copytree(corpus / program["dir"], folder, ignore=shutil.ignore_patterns("meta.json"))
        yield folder / f"{program['module']}.py"
