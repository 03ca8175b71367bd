"""Line spectra per test, FauxPy-style: `python line_spectra.py MODULE_FILE` run in the program's folder.

Runs the folder's pytest tests in this (child) process with coverage switched to a fresh
context per test, and prints JSON: {"outcomes": {nodeid: outcome}, "lines": {nodeid: [line, ...]}}
where lines are the executed lines of MODULE_FILE. The repair benchmark ranks those lines by
Ochiai as the line-level baseline; the product never uses this file.
"""
import json
import os
import sys

import coverage
import pytest


class _PerTest:
    def __init__(self, cov: coverage.Coverage):
        self.cov = cov
        self.outcomes: dict[str, str] = {}

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_protocol(self, item, nextitem):
        self.cov.switch_context(item.nodeid)
        yield
        self.cov.switch_context("")

    def pytest_runtest_logreport(self, report):
        if report.when == "call" or (report.when == "setup" and report.outcome != "passed"):
            self.outcomes[report.nodeid] = report.outcome


def main() -> int:
    target = os.path.abspath(sys.argv[1])
    cov = coverage.Coverage(data_file=None, include=[target], branch=False)
    plugin = _PerTest(cov)
    devnull = open(os.devnull, "w")
    real_stdout, sys.stdout = sys.stdout, devnull
    cov.start()
    try:
        pytest.main(["-q", "-p", "no:cacheprovider", "-p", "no:randomly", os.path.dirname(target)], plugins=[plugin])
    finally:
        cov.stop()
        sys.stdout = real_stdout
    data = cov.get_data()
    lines = {}
    for context in data.measured_contexts():
        if not context:
            continue
        data.set_query_contexts([context])
        lines[context] = sorted(data.lines(target) or [])
    print(json.dumps({"outcomes": plugin.outcomes, "lines": lines}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
