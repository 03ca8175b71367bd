"""Block-level value tracer that runs inside the user's interpreter.

Stdlib only and Python 3.9+: this file is handed to the child by path and must not
import anything of tracefix's server side; runner.py's loader loads it after its siblings
``saferepr`` and ``contract`` (the budgets' names, the trace record's fields).

A block visit starts when a *leader line* of the target file fires (the server
computed leaders with tree-sitter) and ends at the next leader or at return.
Each visit keeps a bounded snapshot of the locals before and after it. Loops are
sampled: the first ``first_k`` visits of a block per call are kept in full, the
last ``last_k`` are kept in a ring, the rest are only counted. On 3.12+ we use
``sys.monitoring`` so that non-leader lines cost nothing (DISABLE), and hot
leaders disable themselves once their budget is spent.

Tracing must not change what the program does: values are rendered by ``saferepr``
(no user ``__repr__``, ``__lt__``, ``__getattr__``, properties), rendered at the moment
of the visit so no frame or local outlives its time, and no callback lets a
RecursionError of its own reach the user's code.
"""
from __future__ import annotations

import collections
import dis
import sys
import types

# Generators, coroutines and async generators: their frames leave and come back.
_RESUMABLE = 0x20 | 0x80 | 0x200
_COROUTINE = 0x80
_OPTIMIZED = 0x1  # a function's code: its locals live in the frame, f_locals is only a copy
_YIELD_OPS = {dis.opmap[name] for name in ("YIELD_VALUE", "SEND") if name in dis.opmap}


def _suspends(frame):
    """True when a resumable frame's 'return' event is a yield/await rather than the end."""
    code = frame.f_code.co_code
    i = frame.f_lasti
    return 0 <= i < len(code) and code[i] in _YIELD_OPS


def _ends_iteration(exc_type):
    """How generators and coroutines finish. Identity, not ``in``: a metaclass may define __eq__."""
    return exc_type is StopIteration or exc_type is StopAsyncIteration or exc_type is GeneratorExit


_NONE = frozenset()
_ABSENT = object()
_SKIP_TYPES = (types.ModuleType, types.FunctionType, types.BuiltinFunctionType, type, types.MethodType)

# Loaded before us by runner.py's loader, under private names (a user module may be called saferepr).
import _tracefix_saferepr as _saferepr  # noqa: E402
from _tracefix_contract import TRACER_MONITORING, Budget, Cut, Trace  # noqa: E402

SafeRepr = _saferepr.SafeRepr
_DEFAULT = Budget.DEFAULTS
# sys.monitoring tool ids we may take: DEBUGGER_ID, PROFILER_ID and two unnamed ones (COVERAGE_ID stays free).
_TOOL_IDS = (0, 2, 3, 4)


class Tracer:
    def __init__(self, target: str, leaders: dict, budgets: dict, lines: dict | None = None,
                 names: dict | None = None):
        self.target = target
        # Block id -> the names its lines mention: a visit renders only those locals (rendering is
        # most of the tracing cost). None: every local, at every visit.
        self.names = None if names is None else {
            b: frozenset(name for name in n if not name.startswith(("__", "@"))) for b, n in names.items()}
        self._boundary = {}  # (block ending, block starting) -> the names rendered between them, in order
        self.leaders = leaders  # line -> block id
        self.lines = lines or {}  # every line -> its innermost block id (to resume generators mid-block)
        # Leaders of loop headers: the only blocks that may legitimately follow themselves.
        self.loop_leaders = set(budgets.get(Budget.LOOP_LEADERS, ()))
        budget = {**_DEFAULT, **budgets}
        self.first_k = budget[Budget.FIRST_K]
        self.last_k = budget[Budget.LAST_K]
        self.max_visits = budget[Budget.MAX_VISITS]
        self.max_names = budget[Budget.MAX_NAMES]
        self.hot_line = budget[Budget.HOT_LINE]
        # Calls of one function traced per test; later calls run untraced (recursion, hot helpers).
        self.calls_per_code = budget[Budget.CALLS_PER_CODE]
        self.code_calls = {}
        self.exhausted = set()
        # Across the run: a function's values are recorded in the first TESTS_PER_CODE tests that call
        # it; in later tests only which of its blocks ran is (the spectrum). Most of what tracing costs
        # on a real suite is rendering the same helpers' values test after test; a failing test among
        # the later ones is traced again alone, in full (retrace.py). Counted in tests, not calls, so
        # that a patched run stops recording where the original did unless the patch changes which
        # tests call the function (the drift comparison of repair/overfit.py relies on it).
        self.tests_per_code = budget[Budget.TESTS_PER_CODE]
        self.code_tests = {}  # code -> tests that recorded its values so far
        self.spent = set()  # codes whose values are no longer recorded in this run
        self.on_new_test = []  # backend hooks that re-arm what budgets switched off
        # Per test: characters of rendered values kept (the visit count is capped separately).
        self.max_chars = budget[Budget.MAX_CHARS]
        self.chars = 0
        self.repr = SafeRepr(budget[Budget.REPR_CHARS])
        self.test = None
        self.seq = 0
        self.calls = 0
        self.depth = 0
        self.visits = []  # (seq, block, record) for the current test
        self.spectrum = set()
        self.skipped = collections.Counter()
        self.cuts = set()  # Cut.*: the budgets this test reached

    # -- per test -------------------------------------------------------------------
    def start_test(self, test_id):
        """Every per-test budget starts afresh here, under both backends (the hooks re-arm theirs)."""
        if self.tests_per_code:
            self._count_tests()
        self.test = test_id
        self.seq = 0
        self.calls = 0
        self.visits = []
        self.spectrum = set()
        self.skipped = collections.Counter()
        self.cuts = set()
        self.chars = 0
        self.depth = 0
        self.code_calls = {}
        for hook in self.on_new_test:
            hook(self.exhausted)
        self.exhausted = set()

    def _count_tests(self):
        """One more test recorded the values of each function the finished test called."""
        for code in self.code_calls:
            n = self.code_tests.get(code, 0) + 1
            self.code_tests[code] = n
            if n >= self.tests_per_code:
                self.spent.add(code)

    def seen_only(self, block):
        """A block of a function whose values this run no longer records ran: it joins the spectrum."""
        self.spectrum.add(block)
        self.cuts.add(Cut.TESTS)

    def admit(self, code):
        """Count a call of ``code``; False once its per-test budget is spent."""
        if code in self.exhausted:
            return False
        n = self.code_calls.get(code, 0) + 1
        self.code_calls[code] = n
        if n > self.calls_per_code:
            self.exhausted.add(code)
            self.cuts.add(Cut.CALLS)
            return False
        return True

    def end_test(self):
        self.test = None
        self.visits.sort(key=lambda v: v[0])
        return {
            Trace.VISITS: [[b, rec] for _, b, rec in self.visits],
            Trace.SPECTRUM: sorted(self.spectrum),
            Trace.SKIPPED: dict(self.skipped),
            Trace.TRUNCATED: sorted(self.cuts),
        }

    # -- snapshots ------------------------------------------------------------------
    def boundary(self, code, ending, starting):
        """The names a snapshot between two visits renders: the "after" of ``ending`` is the
        "before" of ``starting``, so both blocks' names (None: every local). For a function, a
        tuple in the order its code object lists its locals, without the names that cannot be local
        to it (globals, builtins, attributes): looking up a few names costs less than walking every
        local of the frame. For a module or class body (a namespace dict), a frozenset."""
        if self.names is None:
            return None
        key = (ending, starting)
        wanted = self._boundary.get(key)
        if wanted is None:
            mentioned = self.names.get(ending, _NONE) | self.names.get(starting, _NONE)
            if code.co_flags & _OPTIMIZED:
                # An argument that a closure captures is in both co_varnames and co_cellvars: once.
                local = dict.fromkeys(code.co_varnames + code.co_cellvars + code.co_freevars)
                wanted = tuple(n for n in local if n in mentioned)
            else:
                wanted = mentioned
            self._boundary[key] = wanted
        return wanted

    def snapshot(self, f_locals, wanted=None):
        """The locals rendered now, as text: nothing of the frame is kept, no user code runs.
        ``wanted``: only these names (None: all; see ``boundary``, which leaves out dunders)."""
        out = {}
        render = self.repr.repr
        # issubclass on type(value), not isinstance: isinstance falls back to value.__class__.
        if type(wanted) is tuple:
            # A function's locals: f_locals holds only str keys (3.13+: a proxy over the frame),
            # so looking a name up runs no user code.
            get = f_locals.get
            for name in wanted:
                value = get(name, _ABSENT)
                if value is not _ABSENT and not issubclass(type(value), _SKIP_TYPES):
                    out[name] = render(value)
            return out if len(out) <= self.max_names else self._cap(out)
        if wanted is not None:
            # A namespace dict may hold a key of a user class, whose __eq__ a lookup could run: walk it.
            # The str check comes before the set lookup: hashing another key could run user code.
            for name, value in f_locals.items():
                if type(name) is str and name in wanted and not issubclass(type(value), _SKIP_TYPES):
                    out[name] = render(value)
            return out if len(out) <= self.max_names else self._cap(out)
        for name, value in f_locals.items():
            # "@py_assert1" and friends are pytest's assertion-rewriting temporaries, not user names.
            if type(name) is not str or name.startswith(("__", "@")) or issubclass(type(value), _SKIP_TYPES):
                continue
            if len(out) >= self.max_names:
                out["…"] = "more names not shown"
                break
            out[name] = render(value)
        return out

    def _cap(self, out):
        capped = dict(list(out.items())[:self.max_names])
        capped["…"] = "more names not shown"
        return capped

    def unrecorded(self, block):
        """A visit past the test's visit budget: only that the block ran is kept (the spectrum)."""
        self.spectrum.add(block)
        self.skipped[block] += 1
        self.cuts.add(Cut.VISITS)

    def keep(self, seq, block, record):
        """Add a finished visit to this test's trace, within the visit and character budgets."""
        size = sum(map(len, record[Trace.BEFORE].values())) + sum(map(len, record[Trace.AFTER].values()))
        if len(self.visits) >= self.max_visits or self.chars + size > self.max_chars:
            self.cuts.add(Cut.VISITS if len(self.visits) >= self.max_visits else Cut.CHARS)
            self.skipped[block] += 1
            return
        self.chars += size
        self.visits.append((seq, block, record))

    # -- frame state ----------------------------------------------------------------
    def new_call(self, code, depth_offset=0):
        self.calls += 1
        return _Call(self, code, self.calls, self.depth + depth_offset)


class _Call:
    """Visits of one function call: current block, per-block counts and last-k rings.

    Values are rendered the moment a visit starts or ends and only text is kept: holding
    the locals until later would keep the user's objects alive (a ``__del__`` would run late).
    """

    __slots__ = ("tr", "code", "call", "depth", "block", "before", "seq", "iteration", "counts", "rings", "raised")

    def __init__(self, tracer, code, call, depth):
        self.tr = tracer
        self.code = code
        self.call = call
        self.depth = depth
        self.block = None
        self.before = None
        self.seq = 0
        self.iteration = 0
        self.counts = {}  # a dict, not a Counter: no Python-level __missing__ on a block's first visit
        self.rings = {}
        self.raised = None

    def enter(self, block, f_locals):
        tr = self.tr
        if tr.test is None:
            return
        if len(tr.visits) >= tr.max_visits:
            tr.unrecorded(block)  # nothing of this visit would be kept: no record is built
            return
        # Render first: it is the deepest step, so running out of stack leaves the state as it was.
        # A call's first visit renders every local: the arguments it was called with.
        now = tr.snapshot(f_locals, tr.boundary(self.code, self.block, block) if self.seq else None)
        if self.block is not None:
            self._close(now, None)
        tr.spectrum.add(block)
        n = self.counts.get(block, 0)
        self.counts[block] = n + 1
        tr.seq += 1
        self.block = block
        self.seq = tr.seq
        self.iteration = n
        self.raised = None
        self.before = now  # the previous visit's "after" is this one's "before"

    def _close(self, after, returned):
        """End the current visit with its rendered ``after``: kept if among the first k, else ringed."""
        tr = self.tr
        block = self.block
        self.block = None
        if block is None or tr.test is None:
            return
        record = {Trace.ITERATION: self.iteration, Trace.CALL: self.call, Trace.DEPTH: self.depth,
                  Trace.BEFORE: self.before, Trace.AFTER: after}
        if returned is not None:
            record[Trace.RETURNED] = returned
        if self.raised is not None:
            record[Trace.RAISED] = self.raised
        if self.iteration < tr.first_k:
            tr.keep(self.seq, block, record)
            return
        ring = self.rings.get(block)
        if ring is None:
            ring = self.rings[block] = collections.deque(maxlen=tr.last_k)
        if len(ring) == ring.maxlen:
            tr.skipped[block] += 1
        ring.append((self.seq, record))

    def finish(self, f_locals, returned_value, has_return):
        """End the call's visit at a return, an unwind, or a yield/await."""
        tr = self.tr
        if tr.test is None:
            self.block = None
            self.rings = {}
            return
        if len(tr.visits) >= tr.max_visits:
            # The visit budget is spent for this test and only grows spent: what is still open
            # is counted as skipped, without a record or a value looked at.
            if self.block is not None:
                tr.unrecorded(self.block)
            for block, ring in self.rings.items():
                tr.skipped[block] += len(ring)
            self.block = None
            self.rings = {}
            return
        # The last visit renders what its block mentions, as any other visit does; the server shows
        # the call's other locals there as their visits last rendered them (childrun), which is
        # where the repair search looks for a variable already holding what a test expected.
        after = tr.snapshot(f_locals, tr.boundary(self.code, self.block, None)) if self.block is not None else None
        returned = tr.repr.repr(returned_value) if has_return else None
        self._close(after, returned)
        for block, ring in self.rings.items():
            for seq, record in ring:
                tr.keep(seq, block, record)
        self.rings = {}


def _interesting(code, target):
    if code.co_filename != target:
        return False
    name = code.co_name
    return not name.startswith("<") or name == "<module>"


def _raised(tracer, exc_type, exc):
    """"Type: message" of an exception, read without running its class's code."""
    return _saferepr.type_name(exc_type) + ": " + tracer.repr.message(exc)


# Every callback below catches RecursionError. CPython runs a trace or monitoring callback even
# when the user's code sits at the recursion limit, but anything the callback calls then fails;
# letting that error escape would raise it in the user's code (where untraced code would not
# have failed) and, under settrace, switch tracing off. Caught, it costs one visit's values and
# leaves the user's limit, and so the depth at which their own recursion fails, untouched.
# (The try blocks are inline, not a wrapper: a wrapper would be one more call per event.)


# Measured (bench-free, by recursing to the limit under each backend): on 3.11+ a local trace
# function costs the user's recursion one frame the first time a traced function meets the
# limit; 3.9/3.10 and sys.monitoring cost none. One extra frame of limit while the settrace
# backend is armed keeps a recursion that fits untraced fitting traced.
_SETTRACE_HEADROOM = 1 if sys.version_info >= (3, 11) else 0
# 3.11/3.12 write frame.f_locals back only when it was read in that trace call, and otherwise
# leave the dict as last filled: reading it again at every event keeps it current, so it never
# holds on to a value the user's code has since dropped (3.9/3.10 refresh it themselves;
# 3.13+ has no such dict).
_REFRESH_LOCALS = (3, 11) <= sys.version_info < (3, 13)


def install_settrace(tracer: Tracer):
    """3.9–3.11 backend: a local trace function only on frames of the target file."""
    leaders = tracer.leaders
    loop_leaders = tracer.loop_leaders
    target = tracer.target

    suspended = {}  # id(frame) -> (call, state) of generators and coroutines between yields

    def global_trace(frame, event, arg):
        # Reached for every call the program makes: the common "not ours" answers are inline.
        if event != "call":
            return None
        code = frame.f_code
        if code.co_filename != target or (code in tracer.exhausted and not code.co_flags & _RESUMABLE):
            return None
        try:
            return start(frame)
        except RecursionError:
            tracer.cuts.add(Cut.RECURSION)
            return None

    def seen(frame, event, arg):
        """The local trace of a function whose values this run no longer records: its blocks' spectrum."""
        try:
            if event == "line":
                block = leaders.get(frame.f_lineno)
                if block is not None and block not in tracer.spectrum:
                    tracer.seen_only(block)
        except RecursionError:
            tracer.cuts.add(Cut.RECURSION)
        return seen

    def start(frame):
        if not _interesting(frame.f_code, target):
            return None
        resumable = frame.f_code.co_flags & _RESUMABLE
        saved = suspended.pop(id(frame), None) if resumable else None
        if saved is None and tracer.test is not None and frame.f_code in tracer.spent:
            return seen
        if saved is None and (tracer.test is None or not tracer.admit(frame.f_code)):
            return None
        if saved is None:
            call = tracer.new_call(frame.f_code, 1)
            # "prev": the frame's previous line; CPython re-fires a multi-line statement's first
            # line (and 3.11+ decorators), which must not count as entering the block again.
            state = {"lines": 0, "unwinding": False, "prev": 0}
        else:
            call, state = saved
            # Resuming mid-line fires no line event, so reopen the block we stopped in.
            block = tracer.lines.get(frame.f_lineno)
            if block is not None:
                call.enter(block, frame.f_locals)
        tracer.depth += 1

        def local(frame, event, arg):
            try:
                f_locals = frame.f_locals if _REFRESH_LOCALS else None
                if event == "line":
                    state["unwinding"] = False
                    lineno = frame.f_lineno
                    block = leaders.get(lineno)
                    if block is not None and (block != call.block or lineno in loop_leaders
                                              or tracer.lines.get(state["prev"]) != block):
                        call.enter(block, frame.f_locals if f_locals is None else f_locals)
                        state["lines"] += 1
                        if state["lines"] > tracer.hot_line:
                            # A very hot loop: stop line events for this frame to bound the cost.
                            frame.f_trace_lines = False
                            tracer.cuts.add(Cut.HOT_LINE)
                    state["prev"] = lineno
                elif event == "return":
                    tracer.depth -= 1
                    # An exception event right before return means the frame is unwinding, not returning None.
                    suspending = resumable and not state["unwinding"] and _suspends(frame)
                    # An awaiting coroutine hands None to the event loop: not a value the user returned.
                    shows_value = not state["unwinding"] and not (suspending and frame.f_code.co_flags & _COROUTINE)
                    if suspending:
                        suspended[id(frame)] = (call, state)
                    call.finish(frame.f_locals if f_locals is None else f_locals, arg, shows_value)
                elif event == "exception":
                    exc_type, exc, _tb = arg
                    if not (resumable and _ends_iteration(exc_type)):  # how generators finish, not an error
                        state["unwinding"] = True
                        call.raised = _raised(tracer, exc_type, exc)
            except RecursionError:
                tracer.cuts.add(Cut.RECURSION)
            return local

        return local

    restore_limit = _raise_recursion_limit(_SETTRACE_HEADROOM)
    sys.settrace(global_trace)

    def uninstall():
        sys.settrace(None)
        restore_limit()

    return uninstall


def _raise_recursion_limit(extra):
    """Raise the interpreter's recursion limit by ``extra`` while the user keeps seeing their own.

    ``sys.getrecursionlimit``/``sys.setrecursionlimit`` are wrapped so the user's code reads
    and sets its own value (code that sizes its recursion from the limit must size it as it
    would untraced). The wrappers pass straight through once tracing stops, in case the
    user's code kept a reference to them. Returns the function that undoes it all.
    """
    if not extra:
        return lambda: None
    real_get, real_set = sys.getrecursionlimit, sys.setrecursionlimit
    state = {"extra": extra}

    def getrecursionlimit():
        return real_get() - state["extra"]

    def setrecursionlimit(limit):
        if type(limit) is int and limit >= 1:
            limit += state["extra"]
        real_set(limit)  # an invalid value fails exactly as it would untraced

    getrecursionlimit.__doc__, setrecursionlimit.__doc__ = real_get.__doc__, real_set.__doc__
    real_set(real_get() + extra)
    sys.getrecursionlimit, sys.setrecursionlimit = getrecursionlimit, setrecursionlimit

    def restore():
        state["extra"] = 0
        if sys.getrecursionlimit is getrecursionlimit:
            sys.getrecursionlimit = real_get
        if sys.setrecursionlimit is setrecursionlimit:
            sys.setrecursionlimit = real_set
        try:
            real_set(max(1, real_get() - extra))
        except (RecursionError, ValueError):  # deeper than the user's own limit right now: keep ours
            pass

    return restore


def install_monitoring(tracer: Tracer):
    """3.12+ backend: sys.monitoring, events only on leader lines of target code objects."""
    mon = sys.monitoring
    tool = _free_tool_id()  # the backend choice checked that there is one
    mon.use_tool_id(tool, "tracefix")
    E = mon.events
    leaders = tracer.leaders
    target = tracer.target
    DISABLE = mon.DISABLE
    frames = {}  # id(frame) -> _Call; frames of generators resume with the same id
    # (code, line) -> events in this test (a dict, not a Counter: no Python-level __missing__). DISABLE
    # switches a location off for every frame, so the hot-line budget is per leader line and test.
    hits = {}
    hot_codes = set()  # code objects with a leader line the hot-line budget DISABLEd in this test
    quiet_codes = set()  # spent code objects (Tracer.spent) with a leader line DISABLEd once seen in this test
    switched_off = []  # code objects whose PY_START was DISABLEd in this test (only a restart re-arms those)
    # RAISE and PY_UNWIND cannot be local events; they are set globally and filtered by frame.
    local_events = E.LINE | E.PY_RETURN | E.PY_YIELD

    # Each callback's whole body is in the try (see above); its handler only assigns, since a
    # call there could itself hit the limit.

    def on_start(code, offset):
        try:
            if not _interesting(code, target):
                return DISABLE
            if tracer.test is None:
                return None
            if code in tracer.spent:
                # Values no longer recorded in this run: no call state, and from now on no PY_START
                # for it (a restart_events brings one back, which comes here again); its leader
                # lines still say once per test that their block ran (on_line, rearm).
                mon.set_local_events(tool, code, E.LINE)
                return DISABLE
            if not tracer.admit(code):
                # Budget spent: this function runs untraced until the next test re-arms it, with
                # no callback at all (a callback on each later call would also make a recursion
                # that fits untraced fail at the limit); only restart_events brings PY_START back.
                mon.set_local_events(tool, code, 0)
                switched_off.append(code)
                return DISABLE
            mon.set_local_events(tool, code, local_events)
            if len(tracer.visits) >= tracer.max_visits:
                return None  # no call state: its lines only add to the spectrum (on_line)
            frames[id(sys._getframe(1))] = tracer.new_call(code)
            tracer.depth += 1
        except RecursionError:
            tracer.cuts.add(Cut.RECURSION)
        return None

    def on_line(code, line):
        try:
            block = leaders.get(line)
            if block is None:
                return DISABLE
            if len(tracer.visits) >= tracer.max_visits:
                # The test's visit budget is spent: all a leader still tells is that its block
                # ran. Once said, the location stays quiet until the next test re-arms it.
                tracer.unrecorded(block)
                hot_codes.add(code)
                return DISABLE
            key = (code, line)
            n = hits[key] = hits.get(key, 0) + 1
            if n > tracer.hot_line:
                tracer.cuts.add(Cut.HOT_LINE)
                hot_codes.add(code)
                return DISABLE
            frame = sys._getframe(1)
            call = frames.get(id(frame))
            if call is None and code in tracer.spent:
                tracer.seen_only(block)
                quiet_codes.add(code)
                return DISABLE
            # Other lines are disabled here, so a block firing right after itself is a re-fired
            # multi-line statement unless it is a loop header.
            if call is not None and (block != call.block or line in tracer.loop_leaders):
                f_locals = frame.f_locals
                try:
                    call.enter(block, f_locals)
                finally:
                    _release(frame, f_locals)
        except RecursionError:
            tracer.cuts.add(Cut.RECURSION)
        return None

    def finish_frame(frame, call, value, shows_value):
        """End a frame's visit at return, unwind or yield; its locals dict is let go afterwards."""
        tracer.depth -= 1
        if len(tracer.visits) >= tracer.max_visits:
            call.finish(None, value, shows_value)  # values no longer looked at
            return
        f_locals = frame.f_locals
        try:
            call.finish(f_locals, value, shows_value)
        finally:
            _release(frame, f_locals)

    def on_return(code, offset, retval):
        try:
            frame = sys._getframe(1)
            call = frames.pop(id(frame), None)
            if call is not None:
                finish_frame(frame, call, retval, True)
        except RecursionError:
            tracer.cuts.add(Cut.RECURSION)

    def on_unwind(code, offset, exc):
        try:
            if code.co_filename != target:
                return
            frame = sys._getframe(1)
            call = frames.pop(id(frame), None)
            if call is not None:
                call.raised = _raised(tracer, type(exc), exc)
                finish_frame(frame, call, None, False)
        except RecursionError:
            tracer.cuts.add(Cut.RECURSION)

    def on_raise(code, offset, exc):
        try:
            if code.co_filename != target:
                return
            call = frames.get(id(sys._getframe(1)))
            if call is not None:
                call.raised = _raised(tracer, type(exc), exc)
        except RecursionError:
            tracer.cuts.add(Cut.RECURSION)

    def on_yield(code, offset, value):
        try:
            frame = sys._getframe(1)
            call = frames.get(id(frame))
            if call is not None:
                finish_frame(frame, call, value, not code.co_flags & _COROUTINE)
        except RecursionError:
            tracer.cuts.add(Cut.RECURSION)

    def on_resume(code, offset):
        try:
            if not _interesting(code, target):
                return DISABLE
            frame = sys._getframe(1)
            call = frames.get(id(frame))
            if call is None and code in tracer.spent:
                return DISABLE  # a generator of a function whose values are no longer recorded
            if call is None:
                frames[id(frame)] = tracer.new_call(code)
                tracer.depth += 1
                return None
            tracer.depth += 1
            block = tracer.lines.get(frame.f_lineno)
            if block is not None:
                f_locals = frame.f_locals
                try:
                    call.enter(block, f_locals)
                finally:
                    _release(frame, f_locals)
        except RecursionError:
            tracer.cuts.add(Cut.RECURSION)
        return None

    def reinstrument(codes, events):
        """Switch these code objects' events off and on: every location a DISABLE switched off fires again."""
        for code in codes:
            mon.set_local_events(tool, code, 0)
            mon.set_local_events(tool, code, events)

    def rearm(exhausted):
        """A new test: every budget DISABLE spent fires again, with fresh counts.

        Only what a budget switched off is re-armed, and only in the code objects where it
        did: the other DISABLEs (code outside the document, non-leader lines) stay off for the
        whole run. ``restart_events`` would re-arm those too, in every tool, after which each
        code object pytest runs in the next test is re-instrumented and reports again. A code
        object's own events are re-armed by switching them off and on; the global PY_START
        DISABLEd at a function whose calls ran out can only come back through
        ``restart_events``, so that case still takes it."""
        hits.clear()
        if switched_off:
            mon.restart_events()
        for code in exhausted:
            mon.set_local_events(tool, code, local_events)
        if not switched_off:
            reinstrument(hot_codes, local_events)
            reinstrument(quiet_codes, E.LINE)  # spent functions: their leader lines report once per test
        hot_codes.clear()
        quiet_codes.clear()
        del switched_off[:]

    callbacks = {E.PY_START: on_start, E.PY_RESUME: on_resume, E.LINE: on_line, E.PY_RETURN: on_return,
                 E.PY_YIELD: on_yield, E.PY_UNWIND: on_unwind, E.RAISE: on_raise}
    tracer.on_new_test.append(rearm)
    for event, callback in callbacks.items():
        mon.register_callback(tool, event, callback)
    mon.set_events(tool, E.PY_START | E.PY_RESUME | E.RAISE | E.PY_UNWIND)

    def uninstall():
        mon.set_events(tool, 0)
        for event in callbacks:
            mon.register_callback(tool, event, None)
        mon.free_tool_id(tool)

    return uninstall


def _release(frame, f_locals):
    """Let go of the values a snapshot made the frame hold (3.12 ``sys.monitoring`` only).

    On 3.12 ``frame.f_locals`` of a function is a dict CPython fills from the fast locals and
    keeps on the frame: left filled, it would keep a value alive after the user's code rebinds
    or deletes it (a ``__del__`` would run late, a file would close late). Emptying it restores
    untraced lifetimes; whoever reads it next (``locals()``, a debugger) gets it refilled by
    CPython first. 3.13+ returns a live view (not a dict): nothing is kept, nothing to do.
    Under settrace this would be wrong: CPython writes the dict back into the frame after the
    trace function returns (see ``_refresh_locals``).
    """
    if type(f_locals) is dict and frame.f_code.co_flags & _OPTIMIZED:
        dict.clear(f_locals)


def _free_tool_id():
    """The first sys.monitoring tool id nobody holds (a debugger or coverage tool may), else None."""
    mon = getattr(sys, "monitoring", None)
    if mon is None:
        return None
    for candidate in _TOOL_IDS:
        if mon.get_tool(candidate) is None:
            return candidate
    return None


def monitoring_free():
    """Whether the sys.monitoring backend could start here (an input of ``contract.choose_backend``)."""
    return _free_tool_id() is not None


def install(tracer: Tracer, backend: str):
    """Start ``backend`` (``contract.choose_backend`` picked it); returns the function that stops it."""
    if backend == TRACER_MONITORING:
        return install_monitoring(tracer)
    return install_settrace(tracer)
