"""The VS Code extension in a real VS Code: code-server in headless Chromium (DESIGN.md §4, §6).

The browser work is in vscode_e2e.mjs (playwright-core is a node library); this test runs it
and checks what it reports. It needs the built .vsix, code-server and chromium, which
`make test-editor` installs first, so it only runs when TRACEFIX_E2E=1 says they are there.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"
CODE_SERVER = ROOT / ".tools" / "code-server"
VSIX = ROOT / "dist" / "tracefix.vsix"

pytestmark = [
    pytest.mark.editor,
    pytest.mark.slow,
    pytest.mark.skipif(os.environ.get("TRACEFIX_E2E") != "1",
                       reason="real-editor test: run `make test-editor` (installs code-server, chromium, builds the .vsix)"),
]


def test_the_extension_in_code_server_quiet_and_precise():
    chromium = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    missing = [str(p) for p in (VSIX, CODE_SERVER / "node_modules" / "code-server", Path(chromium),
                                ROOT / "node_modules" / "playwright-core") if not p.exists()]
    assert not missing, f"prerequisites missing (run make test-editor): {missing}"
    for old in ARTIFACTS.glob("*.png"):
        old.unlink()
    proc = subprocess.run(
        [shutil.which("node") or "node", "tests/editor/vscode_e2e.mjs", "--code-server", str(CODE_SERVER),
         "--vsix", str(VSIX), "--examples", "examples", "--artifacts", str(ARTIFACTS), "--chromium", chromium],
        cwd=ROOT, capture_output=True, text=True, timeout=900,
    )
    print(proc.stdout)
    assert proc.returncode == 0, f"editor e2e failed:\n{proc.stdout[-6000:]}\n{proc.stderr[-6000:]}"

    timings_line = [line for line in proc.stdout.splitlines() if line.startswith("E2E_TIMINGS ")][-1]
    timings = json.loads(timings_line.split(" ", 1)[1])
    (ARTIFACTS / "e2e-timings.json").write_text(json.dumps(timings, indent=2))
    checks = timings["checks"]
    for phase in ("cancel_run", "debug_to_diagnostic", "trace_view", "testing_view", "quick_fix_menu",
                  "apply_fix_and_clear", "settings_without_restart"):
        assert phase in timings, f"phase {phase} did not complete"
    assert checks["cancelled"] and checks["progress_notifications"] == 1 and checks["error_toasts"] == 0
    assert checks["trace_starts_at"].startswith("letter")  # the suspect block, not the test's own code
    assert checks["testing_view_failed"] == "test_top_scores"
    assert checks["fixes_away_from_bug"] == 0
    assert checks["fix_title"].startswith("Use `>=`") and checks["fix_title_length"] <= 60
    assert checks["accept_logged"] is True and checks["restarts_for_settings"] == 0
    for version in ("3.12", "3.13"):
        if any((Path.home() / ".pyenv" / "versions").glob(f"{version}.*")):
            assert f"Python {version}." in checks["pythons"].get(version, ""), f"no run on CPython {version}"
    for shot in ("1-trace-view.png", "2-quick-fix.png", "3-after-fix.png", "4-testing-view.png"):
        assert (ARTIFACTS / shot).stat().st_size > 10_000, f"{shot} looks empty"
