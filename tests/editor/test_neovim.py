"""A real third-party editor: headless Neovim's built-in LSP client talks to ``tracefix serve``.

Neovim opens a copy of examples/grading.py, saves it, and ``nvim/probe.lua`` writes what
Neovim itself holds (its diagnostics, the code actions it received) to a JSON file.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.editor, pytest.mark.slow]
HERE = Path(__file__).resolve().parent
EXAMPLES = HERE.parent.parent / "examples"
NVIM = shutil.which("nvim")


@pytest.mark.skipif(NVIM is None, reason="neovim is not installed (`make test` installs it)")
def test_neovim_shows_diagnostics_and_a_quick_fix(tmp_path: Path):
    shutil.copy(EXAMPLES / "grading.py", tmp_path / "grading.py")
    out = tmp_path / "nvim.json"
    env = {**os.environ,
           "TRACEFIX_CMD": json.dumps([sys.executable, "-m", "tracefix", "serve"]),
           "TRACEFIX_OUT": str(out), "TRACEFIX_WANT_FIX": "1", "TRACEFIX_TIMEOUT_MS": "150000",
           "TRACEFIX_DATA_DIR": str(tmp_path / "data"),
           "XDG_CONFIG_HOME": str(tmp_path / "xdg-config"), "XDG_DATA_HOME": str(tmp_path / "xdg-data"),
           "XDG_STATE_HOME": str(tmp_path / "xdg-state"), "XDG_CACHE_HOME": str(tmp_path / "xdg-cache")}
    proc = subprocess.run(
        [NVIM, "--headless", "-n", "-i", "NONE", "-u", str(HERE / "nvim" / "init.lua"),
         str(tmp_path / "grading.py"), "-c", f"luafile {HERE / 'nvim' / 'probe.lua'}"],
        cwd=tmp_path, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=400,
    )
    assert out.exists(), f"neovim wrote nothing (rc={proc.returncode}): {proc.stderr[-2000:]}"
    seen = json.loads(out.read_text())
    assert seen["attached"], "tracefix never attached to the buffer"
    assert seen["got_diagnostics"], "no diagnostics reached neovim"
    errors = [d for d in seen["diagnostics"] if d["severity"] == 1]  # vim.diagnostic.severity.ERROR
    assert [d["lnum"] for d in errors] == [18] and "test_top_scores" in errors[0]["message"]
    assert all(d["source"] == "tracefix" for d in seen["diagnostics"])
    fixes = [a for a in seen["actions"] if a["hasEdit"]]
    assert fixes, f"no quick fix reached neovim: {seen['actions']}"
    assert fixes[0]["kind"] == "quickfix" and fixes[0]["isPreferred"]
    assert fixes[0]["command"] == "tracefix.acceptSuggestion"
