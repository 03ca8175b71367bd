"""Decide which validated suggestions are worth interrupting the user for (DESIGN.md §1 step 7).

A cascade, cheapest first:
  1. holds, each where its fact lives: still typing (the LSP debounces, and a newer edit cancels
     the run), does not parse (the engine stops at the syntax error; the LSP keeps the last
     results), no failing test and just rejected (here, in ``decide``). ``should_hold`` states
     the same cascade as one function; only its tests call it;
  2. not validated (fixes no failing test, or breaks a passing one) → never shown;
  2b. held, unless the knob is at 0: ambiguous (another validated fix in another block also
     leaves no test failing: the tests do not say which one is meant), the fix removes
     statements or hides a deletion in a neutral operand, `y - 0` (passing the tests by deleting
     code is the classic overfit), or it makes a
     statement that raised every time it ran unreachable without changing it (a detour);
  3. P(correct and accepted) from a small Bayesian logistic model over the suggestion's
     features and the user's own acceptance rate for this operator kind;
  4. shown iff P ≥ threshold(settings.precision), the threshold read from a calibration
     table fitted on the bug corpus (``bench/decide.py --fit`` writes ``decide_prior.py``).

Validation stays a hard gate whatever the model says: optimising acceptance alone would
teach the tool to show what pleases rather than what is right (the CDHF caveat).

The model's weights start at the corpus fit and move online with the user's accept/reject/
ignore events (an extended-Kalman / online-Laplace update of a Gaussian posterior, replayed
from the local feedback store). Nothing leaves the machine.
"""
from __future__ import annotations

import hashlib
import json
import math
import threading
from dataclasses import dataclass, field
from typing import Any, Iterable

from tracefix.config import Settings
from tracefix.decide_prior import PRIOR
from tracefix.feedback import FeedbackError, FeedbackStore
from tracefix.model import Report, Suggestion, TestResult

NO_FAILING = "no failing test to check a fix against"
TYPING_MS = 600  # an edit younger than this means the user is still typing
FEATURES = ("bias", "all_pass", "fixed_frac", "log_tests", "log_lines", "log_tokens", "top_block",
            "inv_rank", "llm", "agreement", "op_prior", "user_op",
            # Overfitting guards (repair/overfit.py): signs a fix passes the visible tests without being right.
            "drift", "deletes", "const_return", "test_literal", "multi_edit", "nb_changed", "nb_errors", "rival",
            # How much the tests pin the fix down: a comparison or ±1 tweak that at most two failing tests vouch
            # for, a fix that changes the result on few of the failing call's neighbours (it matters only right at
            # the failing input), how many passing tests still pass with it, how many failing tests it fixes,
            # whether both sides of the suite vouch for it (CORROBORATED), and whether another fix of the same
            # block passes too but computes something else (repair's alternatives).
            "thin_boundary", "narrow", "log_passing", "log_fixed", "corroborated", "alternative")
BOUNDARY_OPERATORS = ("comparison", "off_by_one")
# A fix that makes at least this many failing tests pass while at least one test that passed before still passes
# is vouched for from both sides: 51 of 52 such corpus fixes were right. Counting fixed tests alone (five or more)
# also took in programs whose every visible test failed, where one of two bugs fixed passes them all (24 of 27).
CORROBORATED = 3
NARROW = 0.25  # share of neighbouring inputs whose result the fix changes, at or below which it is "narrow"
# Prior variance of each weight around the corpus fit: small where the corpus speaks for
# every user, large for the user's own history, which only this user can inform.
PRIOR_VAR = {name: 0.1 for name in FEATURES} | {"bias": 0.5, "user_op": 1.0, "op_prior": 0.3}
USER_PSEUDO = 4.0  # the corpus rate counts as this many of the user's own events
IGNORE_WEIGHT = 0.3  # an ignored suggestion is weak evidence of "not wanted"
EVENT_WINDOW = 2000  # newest events replayed into the posterior
REJECT_MEMORY_S = 600.0


# ----------------------------------------------------------------------------------------------
# Step 1: holds the LSP layer evaluates before it starts a run.

def should_hold(last_edit_age_ms: float | None, rejected_recently: bool, parses: bool,
                has_failing: bool | None, typing_ms: float = TYPING_MS) -> str | None:
    """The reason to hold back suggestions, or None. Cheapest checks first.

    ``last_edit_age_ms`` is None when there was no edit since the last run; ``has_failing``
    is None when the tests have not run yet (the check is then skipped)."""
    if last_edit_age_ms is not None and last_edit_age_ms < typing_ms:
        return "user is still typing"
    if not parses:
        return "the document does not parse; fix the syntax error first"
    if has_failing is False:
        return NO_FAILING
    if rejected_recently:
        return "this suggestion was just rejected"
    return None


def suggestion_key(s: Suggestion) -> str:
    """Stable identity of a suggestion: the same edit on the same text gives the same key."""
    blob = json.dumps([s.title, s.edits], sort_keys=True, default=str)
    return hashlib.sha1(blob.encode("utf-8", "replace")).hexdigest()[:16]


# ----------------------------------------------------------------------------------------------
# Step 2: the validation gate.

def validated(s: Suggestion) -> tuple[bool, str]:
    v = s.validation
    fixed = len(v.fixed) if v else int(s.features.get("tests_fixed", 0) or 0)
    broken = len(v.broken) if v else int(s.features.get("tests_broken", 0) or 0)
    if v is None and "tests_fixed" not in s.features:
        return False, "not validated"
    if broken:
        return False, f"not validated: breaks {broken} passing test{'s' * (broken != 1)}"
    if fixed < 1:
        return False, "not validated: fixes no failing test"
    return True, ""


AMBIGUOUS = "another fix, in another block, also makes every failing test pass: the tests do not say which is meant"
DELETES = "the fix removes code; passing the tests by deleting code is rarely the fix meant"
NO_OP = ("the fix turns an operation into one that does nothing (like `y - 0`): that removes the operation in "
         "disguise, and is rarely the fix meant")
SKIPS_CRASH = ("the fix leaves the statement that raised as it is and makes it unreachable: it routes around "
               "the broken code instead of repairing it")


def hold_reason(features: dict[str, Any]) -> str | None:
    """Why a validated fix is held whatever its score: rival fixes (repair's ``rivals``; abstaining beats
    a coin toss between two places) or a fix that removes statements (0 of 3 such fixes were right in the
    benchmarks, too few for the model to learn a weight) or hides a deletion in a neutral operand
    (``no_op``: `y - 1` → `y - 0` passed a held-out program's visible tests and failed its hidden ones), or a
    fix that makes a statement which raised every time it ran unreachable instead of changing it
    (``skips_crash``: the wrong fix of a real project's `(None,) // n` was a flipped `if` in front of it)."""
    if _num(features, "rivals") > 0:
        return AMBIGUOUS
    if features.get("deletes_code"):
        return DELETES
    if features.get("no_op"):
        return NO_OP
    if features.get("skips_crash"):
        return SKIPS_CRASH
    return None


# ----------------------------------------------------------------------------------------------
# Step 3: the model.

def _logit(p: float) -> float:
    p = min(max(p, 1e-4), 1 - 1e-4)
    return math.log(p / (1 - p))


def _sigmoid(z: float) -> float:
    if z >= 0:
        return 1 / (1 + math.exp(-z))
    e = math.exp(z)
    return e / (1 + e)


def _num(features: dict[str, Any], key: str, default: float = 0.0) -> float:
    try:
        value = float(features.get(key, default))
    except (TypeError, ValueError):
        return default
    return value if math.isfinite(value) else default


def operator_rate(operator: str, prior: dict[str, Any]) -> float:
    """Corpus acceptance rate of an operator kind, smoothed toward the overall rate."""
    table = prior.get("operators", {})
    overall = prior.get("overall_rate", 0.5)
    accepts, total = table.get(operator, (0, 0))
    return (accepts + 2 * overall) / (total + 2)


def vector(features: dict[str, Any], user: tuple[int, int] = (0, 0),
           prior: dict[str, Any] = PRIOR) -> list[float]:
    """The model's inputs, in ``FEATURES`` order, from a suggestion's plain features.

    ``user`` is (accepted, total) of this user's events for the suggestion's operator."""
    total = _num(features, "tests_total")
    fixed = _num(features, "tests_fixed")
    passed = _num(features, "tests_passed", -1)
    still_failing = _still_failing(features, total, fixed, passed)
    rank = _num(features, "block_rank", 5)
    llm = 1.0 if features.get("origin") == "llm" else 0.0
    r0 = operator_rate(str(features.get("operator") or "unknown"), prior)
    accepted, seen = user
    r_user = (accepted + USER_PSEUDO * r0) / (seen + USER_PSEUDO)
    return [
        1.0,
        1.0 if passed >= 0 and still_failing == 0 else 0.0,
        fixed / max(1.0, fixed + still_failing),
        math.log1p(max(0.0, total)),
        math.log1p(max(0.0, _num(features, "edit_lines", 1))),
        math.log1p(max(0.0, _num(features, "edit_tokens", 1))),
        1.0 if features.get("in_top_block") else 0.0,
        1.0 / (1.0 + rank) if rank >= 0 else 0.0,  # -1: the edit touches no ranked block
        llm,
        llm * _num(features, "sample_agreement"),
        _logit(r0),
        _logit(r_user) - _logit(r0),
        _num(features, "passing_drift"),
        1.0 if features.get("deletes_code") else 0.0,
        1.0 if features.get("const_return") else 0.0,
        1.0 if _num(features, "test_literals") > 0 else 0.0,
        1.0 if _num(features, "edits", 1) > 1 else 0.0,
        _num(features, "neighbour_changed"),
        _num(features, "neighbour_errors"),
        1.0 if _num(features, "rivals") > 0 else 0.0,
        1.0 if str(features.get("operator")) in BOUNDARY_OPERATORS and fixed <= 2 else 0.0,
        1.0 if features.get("neighbour_changed") is not None and _num(features, "neighbour_changed") <= NARROW else 0.0,
        math.log1p(max(0.0, passed - fixed)),
        math.log1p(fixed),
        1.0 if fixed >= CORROBORATED and passed - fixed >= 1 else 0.0,
        1.0 if _num(features, "alternatives") > 0 else 0.0,
    ]


def _still_failing(features: dict[str, Any], total: float, fixed: float, passed: float) -> float:
    """Tests that still fail with the fix. From the failing count of the run when known: a real suite
    has skipped and xfailed tests, which are neither passed nor failing (``total - passed`` would count
    them and no fix could ever "make every test pass")."""
    if "tests_failing" in features:
        return max(0.0, _num(features, "tests_failing") - fixed)
    return max(0.0, total - passed) if passed >= 0 else 0.0


@dataclass
class Posterior:
    """Gaussian posterior over the weights: mean and full covariance (one row and column per feature)."""

    mean: list[float]
    cov: list[list[float]]
    prior: dict[str, Any] = field(default_factory=lambda: PRIOR)
    events: int = 0

    @classmethod
    def from_prior(cls, prior: dict[str, Any] = PRIOR) -> "Posterior":
        w = prior["weights"]
        n = len(FEATURES)
        cov = [[PRIOR_VAR[FEATURES[i]] if i == j else 0.0 for j in range(n)] for i in range(n)]
        return cls([float(w.get(name, 0.0)) for name in FEATURES], cov, prior)

    def predict(self, x: list[float]) -> float:
        """Predictive P(accept): the mean score shrunk by its uncertainty (MacKay's probit trick)."""
        z = sum(m * xi for m, xi in zip(self.mean, x))
        s2 = sum(x[i] * sum(self.cov[i][j] * x[j] for j in range(len(x))) for i in range(len(x)))
        return _sigmoid(z / math.sqrt(1 + math.pi * max(0.0, s2) / 8))

    def update(self, x: list[float], y: float, weight: float = 1.0) -> None:
        """One online-Laplace step for observation y ∈ {0, 1} with feature vector x."""
        n = len(x)
        p = _sigmoid(sum(m * xi for m, xi in zip(self.mean, x)))
        sx = [sum(self.cov[i][j] * x[j] for j in range(n)) for i in range(n)]
        c = weight * p * (1 - p)
        denom = 1 + c * sum(x[i] * sx[i] for i in range(n))
        self.cov = [[self.cov[i][j] - c * sx[i] * sx[j] / denom for j in range(n)] for i in range(n)]
        new_sx = [sum(self.cov[i][j] * x[j] for j in range(n)) for i in range(n)]
        g = weight * (y - p)
        self.mean = [m + g * s for m, s in zip(self.mean, new_sx)]
        self.events += 1


def learn(events: Iterable[dict[str, Any]], prior: dict[str, Any] = PRIOR) -> tuple[Posterior, dict]:
    """Replay feedback events, oldest first, into a posterior; also returns per-operator counts."""
    post = Posterior.from_prior(prior)
    counts: dict[str, list[int]] = {}
    for ev in events:
        features = ev.get("features") or {}
        op = str(features.get("operator") or ev.get("operator") or "unknown")
        seen = counts.setdefault(op, [0, 0])
        x = vector(features, (seen[0], seen[1]), prior)
        kind = ev.get("event")
        if kind == "accept":
            post.update(x, 1.0)
        elif kind == "reject":
            post.update(x, 0.0)
        elif kind == "ignore":
            post.update(x, 0.0, IGNORE_WEIGHT)
        else:
            continue
        seen[0] += kind == "accept"
        seen[1] += 1
    return post, {op: (a, t) for op, (a, t) in counts.items()}


_cache: dict[str, tuple[tuple[int, int], Posterior, dict, list[str]]] = {}
_cache_lock = threading.Lock()


def _posterior_for(store: FeedbackStore) -> tuple[Posterior, dict, list[str]]:
    """The posterior, per-operator counts and the store's problems (malformed rows skipped), cached
    per store version: the problems are kept with the model so every run reports them, not only the first."""
    version = store.version()
    with _cache_lock:
        hit = _cache.get(store.path)
        if hit and hit[0] == version:
            return hit[1], hit[2], hit[3]
    post, counts = learn(store.events(limit=EVENT_WINDOW))
    problems = store.problems()
    with _cache_lock:
        _cache[store.path] = (version, post, counts, problems)
    return post, counts, problems


# ----------------------------------------------------------------------------------------------
# Step 4: the precision knob.

def threshold(precision: float, prior: dict[str, Any] = PRIOR) -> float:
    """Lowest P(accept) to show at this precision target, interpolated in the corpus calibration.

    The table maps "shown precision on the corpus ≥ t" → threshold; beyond what the corpus
    could reach the threshold is 1 (show nothing: abstaining beats a wrong interruption)."""
    table = sorted(prior["calibration"])
    t = min(max(float(precision), 0.0), 1.0)
    if t <= table[0][0]:
        return table[0][1]
    for (t0, th0), (t1, th1) in zip(table, table[1:]):
        if t0 <= t <= t1:
            return th0 if t1 == t0 else th0 + (th1 - th0) * (t - t0) / (t1 - t0)
    return table[-1][1]


def high_precision(precision: float) -> float:
    """Precision target of the "high" display level: half the error rate of the knob's."""
    return 1 - (1 - min(max(precision, 0.0), 1.0)) / 2


# ----------------------------------------------------------------------------------------------

def decide(report: Report, settings: Settings, store: FeedbackStore | None = None) -> None:
    """Set ``p_accept``, ``shown``, ``reason`` and ``features["display"]`` on every suggestion."""
    if not report.failing:
        if NO_FAILING not in report.messages:
            report.messages.append(NO_FAILING)
        for s in report.suggestions:
            _set(s, 0.0, False, NO_FAILING, "none")
        return
    if not report.suggestions:
        return
    post, counts = Posterior.from_prior(), {}
    try:
        store = store or FeedbackStore()
        post, counts, problems = _posterior_for(store)
        report.messages.extend(p for p in problems if p not in report.messages)
    except (FeedbackError, OSError, ValueError) as exc:
        store = None
        report.messages.append(f"{exc}; deciding without your feedback history")
    show_at = threshold(settings.precision)
    high_at = max(show_at, threshold(high_precision(settings.precision)))
    unreached = unreached_errors(report)
    if unreached:
        note = (f"{len(unreached)} test{'s' if len(unreached) > 1 else ''} errored before running any code of this file "
                f"(e.g. {unreached[0].message[:80]!r}): no fix here can change that, so they do not count against one")
        if note not in report.messages:
            report.messages.append(note)
    for s in report.suggestions:
        s.features.setdefault("key", suggestion_key(s))
        s.features.setdefault("origin", s.origin)
        s.features.setdefault("tests_failing", len(report.failing) - len(unreached))
        s.features.setdefault("unreached_errors", len(unreached))
        if s.validation is not None:
            s.features.setdefault("tests_fixed", len(s.validation.fixed))
            s.features.setdefault("tests_broken", len(s.validation.broken))
            s.features.setdefault("tests_total", s.validation.total)
            s.features.setdefault("tests_passed", s.validation.passed)
        ok, why = validated(s)
        if not ok:
            _set(s, 0.0, False, why, "none")
            continue
        op = str(s.features.get("operator") or "unknown")
        p = post.predict(vector(s.features, counts.get(op, (0, 0))))
        if store is not None and _rejected(store, s.features["key"]):
            _set(s, p, False, "you rejected this fix a moment ago", "low")
        elif settings.precision > 0 and hold_reason(s.features):
            _set(s, p, False, hold_reason(s.features) or "", "low")
        elif p >= high_at:
            _set(s, p, True, _because(s, p, show_at), "high")
        elif p >= show_at:
            _set(s, p, True, _because(s, p, show_at), "medium")
        else:
            _set(s, p, False, f"validated but unsure (p={p:.2f} < {show_at:.2f})", "low")
    if settings.precision > 0:  # the knob at 0 means "show every validated fix"
        _hold_alternatives(report.suggestions)
    _point_at_shown_fix(report)


def _point_at_shown_fix(report: Report) -> None:
    """The top suspect is the block the first shown fix edits: the editor points where the fix is.

    Repair already puts its best fix's block first; this covers a better-ranked fix held back here
    (or an LLM fix), and restates the rank in the shown fix's explanation."""
    from tracefix.explain import restate_rank
    from tracefix.localize import edited_blocks, promote

    shown = next((s for s in report.suggestions if s.shown), None)
    if shown is None or not report.blocks or report.segmentation is None:
        return
    edited = edited_blocks(report.segmentation, shown.edits)
    if not edited or report.blocks[0].block.id in edited:
        return
    order = {sb.block.id: i for i, sb in enumerate(report.blocks)}
    home = min(edited, key=lambda b: order.get(b, len(order)))
    block = next((b for b in report.segmentation.blocks if b.id == home), None)
    if block is None:
        return
    report.blocks = promote(report.blocks, block, f"The shown fix ({shown.id}) edits this block.")
    shown.explanation = restate_rank(shown.explanation, report.blocks[0])


def _hold_alternatives(suggestions: list[Suggestion]) -> None:
    """One fix per bug: a shown fix that edits the same lines and fixes the same tests as a better-ranked
    shown fix is an alternative (``score > 89`` next to ``score >= 90``); it stays reachable via "show all"."""
    kept: list[Suggestion] = []
    for s in suggestions:
        if not s.shown:
            continue
        twin = next((k for k in kept if _same_fix_target(k, s)), None)
        if twin is None:
            kept.append(s)
        else:
            _set(s, s.p_accept, False, f"an alternative to {twin.id}: same lines, same tests fixed", "low")


def _same_fix_target(a: Suggestion, b: Suggestion) -> bool:
    if a.validation is None or b.validation is None or set(a.validation.fixed) != set(b.validation.fixed):
        return False
    return bool(_edit_lines(a) & _edit_lines(b))


def _edit_lines(s: Suggestion) -> set[int]:
    lines: set[int] = set()
    for e in s.edits:
        lines.update(range(e["range"]["start"]["line"], e["range"]["end"]["line"] + 1))
    return lines


def _rejected(store: FeedbackStore, key: str) -> bool:
    try:
        return store.recently_rejected(key, REJECT_MEMORY_S)
    except FeedbackError:
        return False


def unreached_errors(report: Report) -> list[TestResult]:
    """Failing tests that errored (setup, a fixture, the environment: "unsupported locale setting") without
    running a single block of the document. An edit of the document cannot change them, so they say
    nothing about whether a fix is whole: counted as "still failing" they made every fix of a project with
    such tests look partial. Only when the run was traced (otherwise no test has a spectrum)."""
    run = report.run
    if run is None or run.backend in ("", "none"):
        return []
    return [t for t in report.failing if t.outcome == "error" and not run.spectra.get(t.id)]


def _set(s: Suggestion, p: float, shown: bool, reason: str, display: str) -> None:
    s.p_accept = p
    s.shown = shown
    s.reason = reason
    s.features["display"] = display


def _because(s: Suggestion, p: float, show_at: float) -> str:
    f = s.features
    parts = [f"validated; p={p:.2f} ≥ {show_at:.2f}"]
    total, passed = int(_num(f, "tests_total")), int(_num(f, "tests_passed", -1))
    if total and passed == total:
        parts.append(f"all {total} tests pass")
    elif passed >= 0 and _still_failing(f, total, _num(f, "tests_fixed"), passed) == 0:
        parts.append("every failing test that runs this file passes" if _num(f, "unreached_errors") else
                     "every failing test passes")
    if _num(f, "edit_tokens", 99) <= 3:
        parts.append("small edit")
    if f.get("in_top_block"):
        parts.append("top block")
    return "; ".join(parts)
