"""What a run writes: the result file's JSON lines, and what every test shares on its way there.

Part of the probe (see runner.py): stdlib only, Python 3.9+, run inside the user's interpreter.
"""
from __future__ import annotations

import json
import sys

from _tracefix_contract import VERSION, Rec, Result
from _tracefix_outcomes import exc_text, one_line


class Results:
    """JSON lines appended one record at a time. The file is reopened per write on purpose:
    user code that closes descriptors it does not own must not silence the run."""

    def __init__(self, path, tracer_backend, backend_reason, protections=None):
        self.path = path
        header = {Rec.CONTRACT: VERSION, Rec.PYTHON: sys.version.split()[0], Rec.BACKEND: tracer_backend,
                  Rec.BACKEND_REASON: backend_reason}
        if protections is not None:
            header[Rec.FALLBACK] = protections  # what the no-jail fallback could set up
        self.record(header)

    def record(self, record):
        self.records([record])

    def records(self, records):
        if not records:
            return
        text = "".join(json.dumps(r) + "\n" for r in records)
        with open(self.path, "a", encoding="utf-8") as f:
            f.write(text)

    def start(self, test_id):
        self.record({Rec.START: test_id})

    def add(self, test, trace=None):
        self.record({Rec.TEST: test, Rec.TRACE: trace})

    def error(self, test_id, message, outcome="error"):
        self.add({Result.ID: test_id, Result.OUTCOME: outcome, Result.MESSAGE: one_line(message)})

    def finish(self, crash=None):
        self.record({Rec.DONE: True, Rec.CRASH: crash})


class Watch:
    """What every test of any kind shares: the start record, the tracer, the coverage map."""

    def __init__(self, results, tracer, coverage):
        self.results = results
        self.tracer = tracer
        self.coverage = coverage

    def begin(self, test_id):
        self.results.start(test_id)
        if self.coverage is not None:
            self.coverage.start()
        if self.tracer is not None:
            self.tracer.start_test(test_id)

    def end(self, test):
        """Add the trace and the files to a finished test's record and write it.

        A failure of ours here must not cost the test its outcome (nor pytest its session)."""
        trace = None
        try:
            if self.tracer is not None:
                trace = self.tracer.end_test()
            if self.coverage is not None:
                test[Result.FILES] = self.coverage.stop()
        except Exception as exc:
            test[Result.PROBE_ERROR] = exc_text(exc)
        self.results.add(test, trace)
