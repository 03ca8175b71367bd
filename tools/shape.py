"""Print the code's shape: the longest functions and the repeated blocks.

Issue 14 asks for a before/after of how long the functions are and how much
code repeats; this is the measuring stick, so it must stay cheap and stable:
Python functions are measured with ast (end_lineno - lineno + 1, decorators
excluded), TypeScript functions with the compiler API of the project's own
node_modules/typescript, and repeats come from the `duplicates` command
(when it is on PATH) over the whole tracked tree.

    python tools/shape.py [--top 15]
"""

from __future__ import annotations

import argparse
import ast
import json
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Walks every function-like node of each .ts file and prints [name, file, start, end]
# lines; names fall back to the enclosing variable/property so arrows are findable.
_TS_WALKER = r"""
const ts = require(process.argv[1]);
const fs = require('fs');
const out = [];
for (const file of process.argv.slice(2)) {
  const src = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const line = (pos) => src.getLineAndCharacterOfPosition(pos).line + 1;
  const nameOf = (n) => {
    if (n.name && n.name.getText) return n.name.getText(src);
    const p = n.parent;
    if (p && p.name && p.name.getText) return p.name.getText(src);
    return '<anonymous>';
  };
  const visit = (n) => {
    if (ts.isFunctionLike(n) && n.body) {
      out.push([nameOf(n), file, line(n.getStart(src)), line(n.end)]);
    }
    ts.forEachChild(n, visit);
  };
  visit(src);
}
console.log(JSON.stringify(out));
"""


def python_functions(root: Path) -> list[tuple[int, str]]:
    rows = []
    for path in sorted((root / "server").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                lines = node.end_lineno - node.lineno + 1
                rows.append((lines, f"{path.relative_to(root)}:{node.lineno} {node.name}"))
    return rows


def ts_functions(root: Path) -> list[tuple[int, str]] | str:
    compiler = root / "node_modules" / "typescript"
    node = shutil.which("node")
    if node is None or not compiler.is_dir():
        return "skipped: needs node and node_modules/typescript (npm ci)"
    files = [str(p.relative_to(root)) for p in sorted((root / "client" / "src").rglob("*.ts"))]
    done = subprocess.run([node, "-e", _TS_WALKER, str(compiler), *files], cwd=root,
                          capture_output=True, text=True, check=True)
    return [(end - start + 1, f"{file}:{start} {name}")
            for name, file, start, end in json.loads(done.stdout)]


def repeated_blocks(root: Path) -> list[str]:
    if shutil.which("duplicates") is None:
        return ["skipped: the `duplicates` command is not on PATH"]
    done = subprocess.run(["duplicates", "--repo", str(root), "--most", "200", "--seconds", "120"],
                          capture_output=True, text=True)
    return done.stdout.splitlines()


def _longest(title: str, rows: list[tuple[int, str]] | str, top: int) -> None:
    print(f"== {title}")
    if isinstance(rows, str):
        print(f"  {rows}")
        return
    total = sum(n for n, _ in rows)
    print(f"  {len(rows)} functions, {total} lines; over 50 lines: {sum(n > 50 for n, _ in rows)}")
    for lines, where in sorted(rows, key=lambda r: (-r[0], r[1]))[:top]:
        print(f"  {lines:5d}  {where}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--top", type=int, default=15, help="how many longest functions to list")
    args = parser.parse_args(argv)
    _longest("longest Python functions (server/)", python_functions(ROOT), args.top)
    _longest("longest TypeScript functions (client/src/)", ts_functions(ROOT), args.top)
    print("== repeated blocks (duplicates --most 200, whole tracked tree)")
    for line in repeated_blocks(ROOT):
        print(f"  {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
