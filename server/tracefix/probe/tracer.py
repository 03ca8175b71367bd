"""Block-level value tracer that runs inside the user's interpreter.

Stdlib only and Python 3.9+: this file is handed to the child by path and must not
import anything of tracefix's server side.

A block visit starts when a *leader line* of the target file fires (the server
computed leaders with tree-sitter) and ends at the next leader or at return.
Each visit keeps a bounded snapshot of the locals before and after it. Loops are
sampled: the first ``first_k`` visits of a block per call are kept in full, the
last ``last_k`` are kept in a ring, the rest are only counted. On 3.12+ we use
``sys.monitoring`` so that non-leader lines cost nothing (DISABLE), and hot
leaders disable themselves once their budget is spent.
"""
from __future__ import annotations

import collections
import dis
import reprlib
import sys
import types

# Generators, coroutines and async generators: their frames leave and come back.
_RESUMABLE = 0x20 | 0x80 | 0x200
_COROUTINE = 0x80
_ITERATION_ENDS = (StopIteration, StopAsyncIteration, GeneratorExit)
_YIELD_OPS = {dis.opmap[name] for name in ("YIELD_VALUE", "SEND") if name in dis.opmap}


def _suspends(frame):
    """True when a resumable frame's 'return' event is a yield/await rather than the end."""
    code = frame.f_code.co_code
    i = frame.f_lasti
    return 0 <= i < len(code) and code[i] in _YIELD_OPS
_SKIP_TYPES = (types.ModuleType, types.FunctionType, types.BuiltinFunctionType, type, types.MethodType)


class _Repr(reprlib.Repr):
    """reprlib with a per-value budget that never runs user code it need not run."""

    def __init__(self, limit: int):
        super().__init__()
        self.maxstring = limit
        self.maxother = limit
        self.maxlist = self.maxtuple = self.maxset = self.maxfrozenset = self.maxdeque = 8
        self.maxdict = 6
        self.maxlevel = 3
        self.limit = limit

    def repr_instance(self, obj, level):
        cls = type(obj)
        if cls.__repr__ is object.__repr__ and hasattr(obj, "__dict__"):
            # Show the fields instead of an address: what a person debugging wants to see.
            if level <= 0:
                return cls.__name__ + "(...)"
            items = list(vars(obj).items())[: self.maxdict]
            inner = ", ".join(k + "=" + self.repr1(v, level - 1) for k, v in items)
            return cls.__name__ + "(" + inner + ")"
        try:
            text = repr(obj)
        except BaseException as exc:  # a broken __repr__ must not break the test run
            return "<repr failed: " + type(exc).__name__ + ">"
        if len(text) > self.limit:
            text = text[: self.limit - 3] + "..."
        return text


class Tracer:
    def __init__(self, target: str, leaders: dict, budgets: dict, lines: dict | None = None):
        self.target = target
        self.leaders = leaders  # line -> block id
        self.lines = lines or {}  # every line -> its innermost block id (to resume generators mid-block)
        # Leaders of loop headers: the only blocks that may legitimately follow themselves.
        self.loop_leaders = set(budgets.get("loop_leaders", ()))
        self.first_k = budgets.get("first_k", 5)
        self.last_k = budgets.get("last_k", 5)
        self.max_visits = budgets.get("max_visits_per_test", 1500)
        self.max_names = budgets.get("max_names", 24)
        self.hot_line = budgets.get("hot_line", 3000)
        # Calls of one function traced per test; later calls run untraced (recursion, hot helpers).
        self.calls_per_code = budgets.get("calls_per_code", 200)
        self.code_calls = {}
        self.exhausted = set()
        self.on_new_test = []  # backend hooks that re-arm what budgets switched off
        self.repr = _Repr(budgets.get("repr_chars", 96))
        self.test = None
        self.seq = 0
        self.calls = 0
        self.depth = 0
        self.visits = []  # (seq, block, record) for the current test
        self.spectrum = set()
        self.skipped = collections.Counter()
        self.truncated = False

    # -- per test -------------------------------------------------------------------
    def start_test(self, test_id):
        self.test = test_id
        self.seq = 0
        self.calls = 0
        self.visits = []
        self.spectrum = set()
        self.skipped = collections.Counter()
        self.truncated = False
        self.code_calls = {}
        for hook in self.on_new_test:
            hook(self.exhausted)
        self.exhausted = set()

    def admit(self, code):
        """Count a call of ``code``; False once its per-test budget is spent."""
        if code in self.exhausted:
            return False
        n = self.code_calls.get(code, 0) + 1
        self.code_calls[code] = n
        if n > self.calls_per_code:
            self.exhausted.add(code)
            self.truncated = True
            return False
        return True

    def end_test(self):
        self.test = None
        self.visits.sort(key=lambda v: v[0])
        return {
            "visits": [[b, rec] for _, b, rec in self.visits],
            "spectrum": sorted(self.spectrum),
            "skipped": dict(self.skipped),
            "truncated": self.truncated,
        }

    # -- snapshots ------------------------------------------------------------------
    def snapshot(self, f_locals):
        out = {}
        for name, value in f_locals.items():
            # "@py_assert1" and friends are pytest's assertion-rewriting temporaries, not user names.
            if name.startswith(("__", "@")) or isinstance(value, _SKIP_TYPES):
                continue
            if len(out) >= self.max_names:
                out["…"] = "more names not shown"
                break
            try:
                out[name] = self.repr.repr(value)
            except BaseException as exc:
                out[name] = "<repr failed: " + type(exc).__name__ + ">"
        return out

    # -- frame state ----------------------------------------------------------------
    def new_call(self):
        self.calls += 1
        return _Call(self, self.calls, self.depth)


class _Call:
    """Visits of one function call: current block, per-block counts and last-k rings."""

    __slots__ = ("tr", "call", "depth", "block", "before", "seq", "iteration", "counts", "rings", "raised")

    def __init__(self, tracer, call, depth):
        self.tr = tracer
        self.call = call
        self.depth = depth
        self.block = None
        self.before = None
        self.seq = 0
        self.iteration = 0
        self.counts = collections.Counter()
        self.rings = {}
        self.raised = None

    def enter(self, block, f_locals):
        tr = self.tr
        if tr.test is None:
            return
        now = None
        if self.block is not None:
            now = self.close(f_locals, None)
        tr.spectrum.add(block)
        n = self.counts[block]
        self.counts[block] = n + 1
        tr.seq += 1
        self.block = block
        self.seq = tr.seq
        self.iteration = n
        self.raised = None
        if n < tr.first_k:
            self.before = now if now is not None else tr.snapshot(f_locals)
        else:
            # Shallow copy now, repr later: cheap enough to keep the last k iterations.
            self.before = dict(f_locals)

    def close(self, f_locals, returned):
        """End the current visit; returns the 'after' snapshot so the next visit can reuse it."""
        tr = self.tr
        block = self.block
        self.block = None
        if block is None or tr.test is None:
            return None
        full = self.iteration < tr.first_k
        if full:
            after = tr.snapshot(f_locals)
            record = self._record(self.before, after, returned)
            if len(tr.visits) < tr.max_visits:
                tr.visits.append((self.seq, block, record))
            else:
                tr.truncated = True
                tr.skipped[block] += 1
            return after
        ring = self.rings.get(block)
        if ring is None:
            ring = self.rings[block] = collections.deque(maxlen=tr.last_k)
        if len(ring) == ring.maxlen:
            tr.skipped[block] += 1
        ring.append((self.seq, self.iteration, self.before, dict(f_locals), returned, self.raised))
        return None

    def _record(self, before, after, returned):
        rec = {"iteration": self.iteration, "call": self.call, "depth": self.depth, "before": before, "after": after}
        if returned is not None:
            rec["returned"] = returned
        if self.raised is not None:
            rec["raised"] = self.raised
        return rec

    def finish(self, f_locals, returned_value, has_return):
        tr = self.tr
        returned = None
        if has_return:
            try:
                returned = tr.repr.repr(returned_value)
            except BaseException:
                returned = "<repr failed>"
        self.close(f_locals, returned)
        if tr.test is None:
            return
        for block, ring in self.rings.items():
            for seq, iteration, before, after, ret, raised in ring:
                rec = {"iteration": iteration, "call": self.call, "depth": self.depth,
                       "before": tr.snapshot(before), "after": tr.snapshot(after)}
                if ret is not None:
                    rec["returned"] = ret
                if raised is not None:
                    rec["raised"] = raised
                if len(tr.visits) < tr.max_visits:
                    tr.visits.append((seq, block, rec))
                else:
                    tr.truncated = True
        self.rings = {}


def _interesting(code, target):
    if code.co_filename != target:
        return False
    name = code.co_name
    return not name.startswith("<") or name == "<module>"


def install_settrace(tracer: Tracer):
    """3.9–3.11 backend: a local trace function only on frames of the target file."""
    leaders = tracer.leaders
    loop_leaders = tracer.loop_leaders
    target = tracer.target

    suspended = {}  # id(frame) -> (call, state) of generators and coroutines between yields

    def global_trace(frame, event, arg):
        if event != "call" or not _interesting(frame.f_code, target):
            return None
        resumable = frame.f_code.co_flags & _RESUMABLE
        saved = suspended.pop(id(frame), None) if resumable else None
        if saved is None and (tracer.test is None or not tracer.admit(frame.f_code)):
            return None
        tracer.depth += 1
        if saved is None:
            call = tracer.new_call()
            # "prev": the frame's previous line; CPython re-fires a multi-line statement's first
            # line (and 3.11+ decorators), which must not count as entering the block again.
            state = {"lines": 0, "unwinding": False, "prev": 0}
        else:
            call, state = saved
            # Resuming mid-line fires no line event, so reopen the block we stopped in.
            block = tracer.lines.get(frame.f_lineno)
            if block is not None:
                call.enter(block, frame.f_locals)

        def local(frame, event, arg):
            if event == "line":
                state["unwinding"] = False
                lineno = frame.f_lineno
                block = leaders.get(lineno)
                if block is not None and (block != call.block or lineno in loop_leaders
                                          or tracer.lines.get(state["prev"]) != block):
                    call.enter(block, frame.f_locals)
                    state["lines"] += 1
                    if state["lines"] > tracer.hot_line:
                        # A very hot loop: stop line events for this frame to bound the cost.
                        frame.f_trace_lines = False
                        tracer.truncated = True
                state["prev"] = lineno
            elif event == "return":
                tracer.depth -= 1
                # An exception event right before return means the frame is unwinding, not returning None.
                suspending = resumable and not state["unwinding"] and _suspends(frame)
                # An awaiting coroutine hands None to the event loop: not a value the user returned.
                shows_value = not state["unwinding"] and not (suspending and frame.f_code.co_flags & _COROUTINE)
                call.finish(frame.f_locals, arg, shows_value)
                if suspending:
                    suspended[id(frame)] = (call, state)
            elif event == "exception":
                exc_type, exc, _tb = arg
                if resumable and exc_type in _ITERATION_ENDS:
                    return local  # how generators and coroutines finish, not an error
                state["unwinding"] = True
                call.raised = exc_type.__name__ + ": " + _short(exc)
            return local

        return local

    sys.settrace(global_trace)
    return lambda: sys.settrace(None)


def install_monitoring(tracer: Tracer):
    """3.12+ backend: sys.monitoring, events only on leader lines of target code objects."""
    mon = sys.monitoring
    tool = mon.DEBUGGER_ID
    for candidate in (mon.DEBUGGER_ID, mon.PROFILER_ID, 3, 4):
        try:
            mon.use_tool_id(candidate, "tracefix")
            tool = candidate
            break
        except ValueError:
            continue
    E = mon.events
    leaders = tracer.leaders
    target = tracer.target
    DISABLE = mon.DISABLE
    frames = {}  # id(frame) -> _Call; frames of generators resume with the same id
    hits = collections.Counter()
    # RAISE and PY_UNWIND cannot be local events; they are set globally and filtered by frame.
    local_events = E.LINE | E.PY_RETURN | E.PY_YIELD

    def on_start(code, offset):
        if not _interesting(code, target):
            return DISABLE
        if tracer.test is None:
            return None
        if not tracer.admit(code):
            # Budget spent: this function runs untraced until the next test re-arms it.
            mon.set_local_events(tool, code, 0)
            return DISABLE
        mon.set_local_events(tool, code, local_events)
        frame = sys._getframe(1)
        frames[id(frame)] = tracer.new_call()
        tracer.depth += 1
        return None

    def on_line(code, line):
        block = leaders.get(line)
        if block is None:
            return DISABLE
        key = (code, line)
        hits[key] += 1
        if hits[key] > tracer.hot_line:
            tracer.truncated = True
            return DISABLE
        frame = sys._getframe(1)
        call = frames.get(id(frame))
        # Other lines are disabled here, so a block firing right after itself is a re-fired
        # multi-line statement unless it is a loop header.
        if call is not None and (block != call.block or line in tracer.loop_leaders):
            call.enter(block, frame.f_locals)
        return None

    def on_return(code, offset, retval):
        frame = sys._getframe(1)
        call = frames.pop(id(frame), None)
        if call is not None:
            tracer.depth -= 1
            call.finish(frame.f_locals, retval, True)

    def on_unwind(code, offset, exc):
        if code.co_filename != target:
            return
        frame = sys._getframe(1)
        call = frames.pop(id(frame), None)
        if call is not None:
            tracer.depth -= 1
            call.raised = type(exc).__name__ + ": " + _short(exc)
            call.finish(frame.f_locals, None, False)

    def on_raise(code, offset, exc):
        if code.co_filename != target:
            return
        call = frames.get(id(sys._getframe(1)))
        if call is not None:
            call.raised = type(exc).__name__ + ": " + _short(exc)

    def on_yield(code, offset, value):
        frame = sys._getframe(1)
        call = frames.get(id(frame))
        if call is not None:
            tracer.depth -= 1
            call.finish(frame.f_locals, value, not code.co_flags & _COROUTINE)

    def on_resume(code, offset):
        if not _interesting(code, target):
            return DISABLE
        frame = sys._getframe(1)
        call = frames.get(id(frame))
        tracer.depth += 1
        if call is None:
            frames[id(frame)] = tracer.new_call()
            return None
        block = tracer.lines.get(frame.f_lineno)
        if block is not None:
            call.enter(block, frame.f_locals)
        return None

    def rearm(exhausted):
        mon.restart_events()
        for code in exhausted:
            mon.set_local_events(tool, code, local_events)

    tracer.on_new_test.append(rearm)
    mon.register_callback(tool, E.PY_START, on_start)
    mon.register_callback(tool, E.PY_RESUME, on_resume)
    mon.register_callback(tool, E.LINE, on_line)
    mon.register_callback(tool, E.PY_RETURN, on_return)
    mon.register_callback(tool, E.PY_YIELD, on_yield)
    mon.register_callback(tool, E.PY_UNWIND, on_unwind)
    mon.register_callback(tool, E.RAISE, on_raise)
    mon.set_events(tool, E.PY_START | E.PY_RESUME | E.RAISE | E.PY_UNWIND)

    def uninstall():
        mon.set_events(tool, 0)
        for event in (E.PY_START, E.PY_RESUME, E.LINE, E.PY_RETURN, E.PY_YIELD, E.PY_UNWIND, E.RAISE):
            mon.register_callback(tool, event, None)
        mon.free_tool_id(tool)

    return uninstall


def install(tracer: Tracer, backend: str = "auto"):
    if backend == "monitoring" or (backend == "auto" and hasattr(sys, "monitoring")):
        return install_monitoring(tracer), "sys.monitoring"
    return install_settrace(tracer), "sys.settrace"


def _short(exc, limit=200):
    try:
        text = str(exc).strip().split("\n", 1)[0]
    except BaseException:
        text = "<unprintable>"
    return text if len(text) <= limit else text[: limit - 3] + "..."
