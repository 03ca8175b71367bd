"""When to show a fix: precision/recall of the decide stage on the bug corpus.

Input: one line per suggestion with its plain features and the label ``correct``, from two sources
fitted together (``make decide-rows`` and ``make decide-project-rows`` write them):
  * bench/results/decide_suggestions.jsonl: bench/repair.py on corpus programs outside its evaluation
    sample (``--exclude-sample 40``); correct = passes the program's hidden tests; and the rows of the
    held-out samples measured since (HELD_OUT), each looked at once before it joined the fit;
  * bench/results/projects_suggestions.jsonl: bench/projects.py on real projects with half of each
    suite held back from the tool, bugs 1-8 of each (``make decide-project-rows``; bugs 9+ are the fresh
    evaluation, ``bench/projects.py --skip 8``); correct = the project's whole suite passes what passed before.
The simulated user accepts a shown suggestion iff it is correct.

What it measures (all on programs the model was not fitted on — 5-fold cross-validation
grouped by program, or by module for the real projects; the threshold of each fold is calibrated
by an inner 4-fold CV on its training programs only), overall and per source:
  * the precision/recall curve over thresholds and the area under it (average precision);
  * the operating point of the default precision knob, against the *always show*
    (Copilot-style) and *show if validated* (LDB-style) baselines;
  * a simulated session of 200 feedback events: shown precision of the online model vs the
    frozen corpus prior, for a user who accepts iff correct and for a picky user who also
    rejects every fix of one operator kind.

``--fit`` also refits the shipped prior on the whole corpus (weights by L2-regularised
logistic regression via Newton/IRLS, calibration table from out-of-fold predictions) and
rewrites server/tracefix/decide_prior.py.

Usage: .venv/bin/python bench/decide.py [--fit] [--data FILE ...] [--score FILE ...] [--seeds N]
"""
from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import random
import sys
from typing import Any

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "server"))

from tracefix import decide as D  # noqa: E402
from tracefix.config import Settings  # noqa: E402

# Corpus samples that were evaluation sets of earlier fits (bench/repair.py --exclude-from keeps new samples apart
# from all of them): once measured, their rows are training data like any other.
HELD_OUT = ("repair_sample40_1f13179.jsonl", "repair_second_sample80_1f13179.jsonl", "repair_third_sample80.jsonl",
            "repair_fourth_sample120.jsonl")
DATA = [os.path.join(ROOT, "bench", "results", name)
        for name in ("decide_suggestions.jsonl", *HELD_OUT, "projects_suggestions.jsonl")]
OUT_JSON = os.path.join(ROOT, "bench", "results", "decide.json")
OUT_PNG = os.path.join(ROOT, "bench", "results", "decide.png")
PRIOR_PY = os.path.join(ROOT, "server", "tracefix", "decide_prior.py")
# Prior variance of each weight. With ~150 rows for 17 weights, firm shrinkage paid (CV precision at knob 0.9:
# 0.88 with variance 4, 0.90 with 0.25). With 385 rows it kept the evidence weights near 0 (26 fixes that five or
# more failing tests vouched for, one wrong, scored like fixes of one test); at 1.0 the held-back halves of the
# real-project suites see 8 of 24 fixes shown instead of 3, all right, at the same corpus precision.
FIT_VAR = 1.0
# user_op is 0 on the corpus: nothing to fit. log_tests is left at 0: corpus programs have 2-8 tests, so
# its fitted weight (negative: the 8-test student programs are the hard ones) would be extrapolated to
# real suites of hundreds, where more tests passing is more evidence for a fix, not less.
FIT = [n for n in D.FEATURES if n not in ("user_op", "log_tests")]
TARGETS = [round(0.5 + i * 0.01, 2) for i in range(50)] + [0.995]
MIN_SHOWN = 10  # a threshold's precision counts for calibration only with this many shown
# Standard errors of margin between the corpus' out-of-fold precision and the promised one. Half of one left every
# held-out sample 0.01-0.05 under the promise (0.889, 0.941, 0.903, 0.917); one kept the next two at 13/14 and 9/9.
WILSON_Z = 1.0


# ----------------------------------------------------------------------------------------------
# Data

def load(path: str) -> list[dict[str, Any]]:
    rows = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f):
            if not line.strip():
                continue
            row = json.loads(line)
            feats = dict(row.get("features") or {})
            val = row.get("validation") or {}
            feats.setdefault("origin", row.get("origin", "template"))
            if "passed" in val:
                feats.setdefault("tests_passed", val["passed"])
                feats.setdefault("tests_total", val.get("total", 0))
                feats.setdefault("tests_fixed", len(val.get("fixed", [])))
                feats.setdefault("tests_broken", len(val.get("broken", [])))
            group = next((str(row[k]) for k in ("program", "bug", "bug_id", "case", "task_id", "task")
                          if row.get(k) is not None), f"line{n}")
            rows.append({"features": feats, "correct": bool(row.get("correct")), "group": group,
                         "validated": _validated(feats), "source": row.get("source", "corpus")})
    return rows


def _validated(f: dict[str, Any]) -> bool:
    return int(f.get("tests_fixed", 0) or 0) >= 1 and int(f.get("tests_broken", 0) or 0) == 0


def folds(rows: list[dict], k: int, salt: str) -> list[list[int]]:
    """Row indices per fold; whole programs stay together (no leakage between mutants of one)."""
    out: list[list[int]] = [[] for _ in range(k)]
    for i, r in enumerate(rows):
        h = int(hashlib.sha1(f"{salt}:{r['group']}".encode()).hexdigest(), 16)
        out[h % k].append(i)
    return out


# ----------------------------------------------------------------------------------------------
# Fitting the prior

def operator_table(rows: list[dict]) -> tuple[dict[str, list[int]], float]:
    table: dict[str, list[int]] = {}
    for r in rows:
        if r["validated"]:
            t = table.setdefault(str(r["features"].get("operator") or "unknown"), [0, 0])
            t[0] += r["correct"]
            t[1] += 1
    n = sum(t[1] for t in table.values())
    return table, (sum(t[0] for t in table.values()) + 1) / (n + 2)


def fit(rows: list[dict]) -> dict[str, Any]:
    """Maximum a posteriori logistic regression on the validated rows (Newton / IRLS)."""
    table, overall = operator_table(rows)
    train = [r for r in rows if r["validated"]]
    xs, ys = [], []
    for r in train:
        op = str(r["features"].get("operator") or "unknown")
        # Leave-one-out operator rate, so a row's own label does not leak into its op_prior.
        a, t = table[op]
        loo = {"operators": {op: (a - r["correct"], t - 1)}, "overall_rate": overall}
        x = D.vector(r["features"], (0, 0), loo)
        xs.append([x[D.FEATURES.index(n)] for n in FIT])
        ys.append(1.0 if r["correct"] else 0.0)
    d = len(FIT)
    w = [0.0] * d
    for _ in range(30):
        grad = [-wi / FIT_VAR for wi in w]
        hess = [[(1.0 / FIT_VAR if i == j else 0.0) for j in range(d)] for i in range(d)]
        for x, y in zip(xs, ys):
            p = D._sigmoid(sum(wi * xi for wi, xi in zip(w, x)))
            c = p * (1 - p)
            for i in range(d):
                grad[i] += (y - p) * x[i]
                ci = c * x[i]
                if ci:
                    row = hess[i]
                    for j in range(d):
                        row[j] += ci * x[j]
        step = _solve(hess, grad)
        w = [wi + si for wi, si in zip(w, step)]
        if max(abs(s) for s in step) < 1e-6:
            break
    weights = {n: round(wi, 4) for n, wi in zip(FIT, w)}
    weights["user_op"] = 1.0  # a log-odds shift by the user's own rate: Bayes' rule as is
    return {"fitted_on": "", "n": len(train), "weights": weights,
            "operators": {op: tuple(t) for op, t in sorted(table.items())},
            "overall_rate": round(overall, 4), "calibration": [[0.0, 0.0], [1.0, 1.0]]}


def _solve(a: list[list[float]], b: list[float]) -> list[float]:
    """Gaussian elimination with partial pivoting (d ≈ 11: no numpy needed)."""
    n = len(b)
    m = [row[:] + [b[i]] for i, row in enumerate(a)]
    for c in range(n):
        p = max(range(c, n), key=lambda r: abs(m[r][c]))
        m[c], m[p] = m[p], m[c]
        for r in range(c + 1, n):
            f = m[r][c] / m[c][c]
            for k in range(c, n + 1):
                m[r][k] -= f * m[c][k]
    x = [0.0] * n
    for r in range(n - 1, -1, -1):
        x[r] = (m[r][n] - sum(m[r][k] * x[k] for k in range(r + 1, n))) / m[r][r]
    return x


def predict(prior: dict[str, Any], rows: list[dict]) -> list[float]:
    """P(accept) as decide() computes it for a user with no history; rows it never shows (unvalidated, or
    held whatever the score: rival fixes, deletions) get 0."""
    post = D.Posterior.from_prior(prior)
    return [post.predict(D.vector(r["features"], (0, 0), prior))
            if r["validated"] and not D.hold_reason(r["features"]) else 0.0 for r in rows]


def oof(rows: list[dict], k: int, salt: str) -> list[float]:
    """Out-of-fold predictions: each row scored by a model fitted without its program."""
    preds = [0.0] * len(rows)
    for idx in folds(rows, k, salt):
        held = set(idx)
        prior = fit([r for i, r in enumerate(rows) if i not in held])
        for i, p in zip(idx, predict(prior, [rows[i] for i in idx])):
            preds[i] = p
    return preds


def calibrate(scores: list[float], labels: list[bool]) -> list[list[float]]:
    """Precision target → lowest threshold whose shown set (at least MIN_SHOWN) reaches that precision,
    the precision read from the isotonic (pool-adjacent-violators) fit of correctness on score: the
    corpus is small, and one miss among the most confident must neither silence everything below it
    nor be averaged away by luck above it. A Wilson margin on top keeps the promise off the corpus.
    Monotone by the pass below."""
    shown = sorted(((sc, bool(lb)) for sc, lb in zip(scores, labels) if sc > 0), key=lambda t: -t[0])
    smooth = isotonic([lb for _, lb in shown])
    table = [[0.0, 0.0]]
    for t in TARGETS:
        best, total = None, 0.0
        for i, ((score, _), p) in enumerate(zip(shown, smooth)):
            total += p
            n = i + 1
            last_of_tie = i + 1 == len(shown) or shown[i + 1][0] != score
            if last_of_tie and n >= MIN_SHOWN and wilson_lower(total / n, n) >= t:
                best = score
        table.append([t, 1.0 if best is None else round(best, 4)])
    table.append([1.0, 1.0])
    # Keep it monotone in the target even where precision dips locally.
    for i in range(1, len(table)):
        table[i][1] = max(table[i][1], table[i - 1][1])
    return table


def isotonic(labels: list[bool]) -> list[float]:
    """P(correct) per position of a list sorted by descending score, non-increasing (pool adjacent violators)."""
    blocks: list[list[float]] = []  # [mean, count]
    for lb in labels:
        blocks.append([1.0 if lb else 0.0, 1.0])
        while len(blocks) > 1 and blocks[-2][0] < blocks[-1][0]:
            m2, c2 = blocks.pop()
            m1, c1 = blocks.pop()
            blocks.append([(m1 * c1 + m2 * c2) / (c1 + c2), c1 + c2])
    return [m for m, c in blocks for _ in range(int(c))]


def wilson_lower(rate: float, n: int, z: float | None = None) -> float:
    """Lower end of the Wilson score interval of a proportion ``rate`` observed ``n`` times."""
    z = WILSON_Z if z is None else z
    if n <= 0:
        return 0.0
    centre = rate + z * z / (2 * n)
    spread = z * math.sqrt(rate * (1 - rate) / n + z * z / (4 * n * n))
    return (centre - spread) / (1 + z * z / n)


# ----------------------------------------------------------------------------------------------
# Measuring

def curve(scores: list[float], labels: list[bool], total_correct: int | None = None) -> list[dict]:
    """Precision and recall for every distinct threshold (showing p ≥ threshold, p > 0)."""
    total_correct = sum(labels) if total_correct is None else total_correct
    order = sorted(((s, l) for s, l in zip(scores, labels) if s > 0), key=lambda t: -t[0])
    pts, tp, n = [], 0, 0
    for i, (s, l) in enumerate(order):
        tp += l
        n += 1
        if i + 1 < len(order) and order[i + 1][0] == s:
            continue
        pts.append({"threshold": s, "shown": n, "precision": tp / n, "recall": tp / max(1, total_correct)})
    return pts


def average_precision(pts: list[dict]) -> float:
    """Area under the precision/recall curve as a step function (recall increments × precision)."""
    area, last = 0.0, 0.0
    for p in pts:
        area += (p["recall"] - last) * p["precision"]
        last = p["recall"]
    return area


def point(scores: list[float], labels: list[bool], thresholds: list[float] | float) -> dict:
    if isinstance(thresholds, float):
        thresholds = [thresholds] * len(scores)
    shown = [s > 0 and s >= th for s, th in zip(scores, thresholds)]
    tp = sum(1 for sh, l in zip(shown, labels) if sh and l)
    n = sum(shown)
    return {"shown": n, "correct_shown": tp, "precision": tp / n if n else None,
            "recall": tp / max(1, sum(labels))}


def evaluate(rows: list[dict], precisions: list[float], k: int = 5) -> dict[str, Any]:
    """Nested CV: outer folds for scoring, inner CV on the outer training part for calibration."""
    scores = [0.0] * len(rows)
    thresholds: dict[float, list[float]] = {p: [1.0] * len(rows) for p in precisions}
    for f, idx in enumerate(folds(rows, k, "outer")):
        held = set(idx)
        train = [r for i, r in enumerate(rows) if i not in held]
        inner = oof(train, 4, f"inner{f}")
        prior = fit(train)
        prior["calibration"] = calibrate(inner, [r["correct"] for r in train])
        for i, p in zip(idx, predict(prior, [rows[i] for i in idx])):
            scores[i] = p
            for prec in precisions:
                thresholds[prec][i] = D.threshold(prec, prior)
    labels = [r["correct"] for r in rows]
    pts = curve(scores, labels)
    validated = [1.0 if r["validated"] else 0.0 for r in rows]
    everything = [1.0] * len(rows)
    out = {
        "curve": pts, "average_precision": average_precision(pts),
        "knob": {str(p): point(scores, labels, thresholds[p]) for p in precisions},
        "baselines": {
            "always_show": point(everything, labels, 0.5),
            "show_if_validated": point(validated, labels, 0.5),
            "validated_and_no_test_failing": point(
                [1.0 if r["validated"] and _all_pass(r["features"]) else 0.0 for r in rows], labels, 0.5),
        },
        "scores": scores,
        # The same cross-validated decisions read per source: the promise holds on each, not on average.
        "by_source": {src: {str(p): point([scores[i] for i in idx], [labels[i] for i in idx],
                                          [thresholds[p][i] for i in idx]) for p in precisions}
                      for src, idx in _by_source(rows).items()},
    }
    return out


def _by_source(rows: list[dict]) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for i, r in enumerate(rows):
        out.setdefault(r["source"] if r["source"] == "projects" else "corpus", []).append(i)
    return out


def _all_pass(f: dict[str, Any]) -> bool:
    """No test still fails with the fix, as the decide model reads it."""
    passed = D._num(f, "tests_passed", -1)
    return passed >= 0 and D._still_failing(f, D._num(f, "tests_total"), D._num(f, "tests_fixed"), passed) == 0


# ----------------------------------------------------------------------------------------------
# Simulated sessions

def session(rows: list[dict], events: int, seed: int, disliked: str | None, precision: float) -> dict:
    """Feed shown suggestions to a simulated user until ``events`` feedback events happened.

    The prior is fitted (and calibrated) on half the programs; the session draws from the other
    half. The user accepts iff the fix is correct (and, if picky, not of the disliked operator).
    Returns the accepted/shown sequence for the online model and for the frozen prior."""
    half = folds(rows, 2, f"session{seed}")
    train = [rows[i] for i in half[0]]
    pool = [rows[i] for i in half[1] if rows[i]["validated"]]
    prior = fit(train)
    prior["calibration"] = calibrate(oof(train, 4, f"sess{seed}"), [r["correct"] for r in train])
    th = D.threshold(precision, prior)
    rng = random.Random(seed)
    order: list[dict] = []
    for _ in range(40 if pool else 0):  # whole shuffled passes: each suggestion once per pass
        order += rng.sample(pool, len(pool))

    def run(online: bool) -> tuple[list[int], list[dict]]:
        post, counts, log, stored = D.Posterior.from_prior(prior), {}, [], []
        for r in order:
            if len(log) >= events:
                break
            op = str(r["features"].get("operator") or "unknown")
            seen = counts.get(op, (0, 0)) if online else (0, 0)
            if post.predict(D.vector(r["features"], seen, prior)) < th:
                continue
            accepted = r["correct"] and op != disliked
            log.append(int(accepted))
            if online:
                stored.append({"event": "accept" if accepted else "reject", "features": r["features"]})
                post.update(D.vector(r["features"], seen, prior), 1.0 if accepted else 0.0)
                counts[op] = (seen[0] + accepted, seen[1] + 1)
        return log, stored

    online, stored = run(True)
    frozen, _ = run(False)
    # The bench's incremental model must be exactly what decide() rebuilds from the store.
    replayed, _ = D.learn(stored, prior)
    direct = D.Posterior.from_prior(prior)
    c: dict[str, tuple[int, int]] = {}
    for ev in stored:
        op = str(ev["features"].get("operator") or "unknown")
        s = c.get(op, (0, 0))
        direct.update(D.vector(ev["features"], s, prior), 1.0 if ev["event"] == "accept" else 0.0)
        c[op] = (s[0] + (ev["event"] == "accept"), s[1] + 1)
    assert all(abs(a - b) < 1e-9 for a, b in zip(replayed.mean, direct.mean))
    return {"online": online, "frozen": frozen, "threshold": th}


def windows(log: list[int], size: int = 50) -> list[float | None]:
    return [sum(log[i:i + size]) / len(log[i:i + size]) if log[i:i + size] else None
            for i in range(0, 200, size)]


def simulate(rows: list[dict], precision: float, seeds: int = 10) -> dict[str, Any]:
    ops: dict[str, int] = {}
    for r in rows:
        if r["validated"] and r["correct"]:
            op = str(r["features"].get("operator") or "unknown")
            ops[op] = ops.get(op, 0) + 1
    disliked = max(ops, key=ops.get) if ops else None
    out: dict[str, Any] = {"events": 200, "seeds": seeds, "picky_user_rejects_operator": disliked}
    for user, dis in (("accepts_iff_correct", None), ("picky", disliked)):
        runs = [session(rows, 200, seed, dis, precision) for seed in range(seeds)]
        res = {}
        for kind in ("online", "frozen"):
            logs = [r[kind] for r in runs]
            n = sum(len(l) for l in logs)
            res[kind] = {
                "precision": sum(sum(l) for l in logs) / max(1, n),
                "events_per_session": n / seeds,
                "precision_per_50_events": [_mean([windows(l)[w] for l in logs]) for w in range(4)],
                "cumulative": [_mean([sum(l[:i + 1]) / (i + 1) for l in logs if len(l) > i]) for i in range(200)],
            }
        out[user] = res
    return out


def _mean(xs: list) -> float | None:
    xs = [x for x in xs if x is not None]
    return sum(xs) / len(xs) if xs else None


# ----------------------------------------------------------------------------------------------
# Output

def plot(result: dict[str, Any], path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.5))
    pts = result["cv"]["curve"]
    ax1.plot([p["recall"] for p in pts], [p["precision"] for p in pts], label=f"decide model (AP {result['cv']['average_precision']:.3f})")
    for name, b in result["cv"]["baselines"].items():
        if b["precision"] is not None:
            ax1.scatter([b["recall"]], [b["precision"]], label=name.replace("_", " "), marker="s")
    for knob, p in result["cv"]["knob"].items():
        if p["precision"] is not None:
            ax1.scatter([p["recall"]], [p["precision"]], marker="o", color="black")
            ax1.annotate(f"knob {knob}", (p["recall"], p["precision"]), fontsize=7,
                         xytext=(4, -10), textcoords="offset points")
    ax1.set_xlabel("recall (of correct suggestions)")
    ax1.set_ylabel("shown precision")
    ax1.set_title("Precision/recall over thresholds (5-fold CV by program)")
    ax1.set_ylim(0, 1.02)
    ax1.legend(fontsize=7, loc="lower left")
    sim = result["session"]
    for user, style in (("accepts_iff_correct", "-"), ("picky", "--")):
        for kind in ("online", "frozen"):
            ys = sim[user][kind]["cumulative"]
            ax2.plot(range(1, len(ys) + 1), ys, style, label=f"{user.replace('_', ' ')}: {kind}")
    ax2.set_xlabel("feedback events")
    ax2.set_ylabel("cumulative accepted / shown")
    ax2.set_title(f"Simulated sessions ({sim['seeds']} seeds)")
    ax2.set_ylim(0, 1.02)
    ax2.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_prior(rows: list[dict], sources: list[str]) -> dict[str, Any]:
    prior = fit(rows)
    prior["calibration"] = calibrate(oof(rows, 5, "ship"), [r["correct"] for r in rows])
    prior["fitted_on"] = (f"{' + '.join(os.path.relpath(s, ROOT) for s in sources)}: {len(rows)} suggestions, "
                          f"{len({r['group'] for r in rows})} programs/modules")
    text = (
        '"""Prior of the decide model. Written by `python bench/decide.py --fit`; do not edit by hand.\n\n'
        f"weights: MAP logistic regression (Gaussian prior, variance {FIT_VAR}) on the validated suggestions of the\n"
        "corpus (label = passes the hidden tests) and of real projects (label = the whole suite passes);\n"
        "operators: per-operator (correct, validated) counts;\n"
        "calibration: [precision target, lowest threshold reaching it] from 5-fold out-of-fold predictions.\n"
        '"""\n\nPRIOR = ' + _pyrepr(prior) + "\n"
    )
    with open(PRIOR_PY, "w", encoding="utf-8") as f:
        f.write(text)
    return prior


def score(path: str, prior: dict[str, Any], precisions: list[float]) -> dict[str, Any]:
    """A held-out sample's suggestions (bench/repair.py's jsonl) re-scored with ``prior``, without re-running
    it: per program the best-scored suggestion that clears the knob's threshold and no hold is shown (as
    decide() shows one fix per bug). The features are the engine's, so a refit can be judged on a sample
    that neither the fit nor its calibration saw."""
    rows = load(path)
    preds = predict(prior, rows)
    out: dict[str, Any] = {"programs": len({r["group"] for r in rows})}
    for precision in precisions:
        at = D.threshold(precision, prior)
        best: dict[str, tuple[float, dict]] = {}
        for r, p in zip(rows, preds):
            if p >= at and p > best.get(r["group"], (0.0, {}))[0]:
                best[r["group"]] = (p, r)
        shown = [r for _, r in best.values()]
        correct = sum(r["correct"] for r in shown)
        out[str(precision)] = {"threshold": round(at, 4), "shown": len(shown), "correct": correct,
                               "precision": round(correct / len(shown), 4) if shown else None}
    return out


def _pyrepr(obj: Any) -> str:
    s = json.dumps(obj, indent=4, sort_keys=True)
    return s.replace("true", "True").replace("false", "False").replace("null", "None")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", action="append", default=None,
                    help="suggestions JSONL, repeatable (default: the corpus rows and the real-project rows)")
    ap.add_argument("--fit", action="store_true", help="refit server/tracefix/decide_prior.py on the data")
    ap.add_argument("--score", action="append", default=[], metavar="FILE",
                    help="also re-score a held-out sample's suggestions (bench/repair.py --suggestions) with the "
                         "shipped (or just refitted) prior; repeatable")
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--no-plot", action="store_true")
    args = ap.parse_args(argv)
    args.data = args.data or [path for path in DATA if os.path.exists(path)]
    missing = [path for path in args.data if not os.path.exists(path)]
    if missing or not args.data:
        print(f"error: {missing or DATA} not found; run `make decide-rows` / `make decide-project-rows` first",
              file=sys.stderr)
        return 2
    rows = [row for path in args.data for row in load(path)]
    if len({r["group"] for r in rows}) < 10 or sum(r["correct"] for r in rows) < 10:
        print(f"error: {args.data} have too few programs or correct suggestions to calibrate", file=sys.stderr)
        return 2
    default = Settings().precision
    precisions = sorted({0.5, 0.7, 0.8, 0.85, 0.9, default, 0.95, 0.99})
    cv = evaluate(rows, precisions)
    result: dict[str, Any] = {
        "data": [os.path.relpath(path, ROOT) for path in args.data],
        "per_source": {src: {"suggestions": len(idx), "correct": sum(rows[i]["correct"] for i in idx),
                             "groups": len({rows[i]["group"] for i in idx})}
                       for src, idx in _by_source(rows).items()},
        "suggestions": len(rows), "programs": len({r["group"] for r in rows}),
        "validated": sum(r["validated"] for r in rows), "correct": sum(r["correct"] for r in rows),
        "default_precision_knob": default,
        "cv": {k: v for k, v in cv.items() if k != "scores"},
    }
    if args.fit:
        prior = write_prior(rows, args.data)
        result["shipped_prior"] = {"fitted_on": prior["fitted_on"], "weights": prior["weights"],
                                   "threshold_at_default": D.threshold(default, prior)}
    shipped = prior if args.fit else D.PRIOR
    result["held_out"] = {os.path.relpath(path, ROOT): score(path, shipped, precisions) for path in args.score}
    result["session"] = simulate(rows, default, args.seeds)
    # The equal-recall comparison: show-if-validated thinned at random to the model's recall keeps
    # its precision, so "better at equal recall" = the model's precision above the baseline's.
    at = cv["knob"][str(default)]
    base = cv["baselines"]["show_if_validated"]
    result["targets"] = {
        "precision_at_default_ge_knob": at["precision"] is not None and at["precision"] >= default,
        "recall_at_default_ge_0.70": at["recall"] >= 0.70,
        "precision_above_show_if_validated_at_equal_recall":
            at["precision"] is not None and base["precision"] is not None and at["precision"] > base["precision"],
    }
    os.makedirs(os.path.dirname(OUT_JSON), exist_ok=True)
    with open(OUT_JSON, "w", encoding="utf-8") as f:
        json.dump(result, f, indent=1)
    if not args.no_plot:
        plot(result, OUT_PNG)
    _table(result)
    return 0


def _fmt(x: float | None) -> str:
    return "  -  " if x is None else f"{x:.3f}"


def _table(r: dict[str, Any]) -> None:
    cv = r["cv"]
    print(f"{r['suggestions']} suggestions from {r['programs']} programs; {r['validated']} validated, "
          f"{r['correct']} correct (pass hidden tests)")
    print(f"average precision (area under P/R, 5-fold CV): {cv['average_precision']:.3f}\n")
    print(f"{'policy':40} {'shown':>6} {'precision':>9} {'recall':>7}")
    for name, p in cv["baselines"].items():
        print(f"{name:40} {p['shown']:6d} {_fmt(p['precision']):>9} {_fmt(p['recall']):>7}")
    for knob, p in cv["knob"].items():
        mark = "  (default)" if float(knob) == r["default_precision_knob"] else ""
        print(f"{'decide, precision knob ' + knob + mark:40} {p['shown']:6d} {_fmt(p['precision']):>9} "
              f"{_fmt(p['recall']):>7}")
    default = str(r["default_precision_knob"])
    for src, points in cv["by_source"].items():
        p = points[default]
        n = r["per_source"][src]
        label = f"  of which {src} ({n['correct']}/{n['suggestions']} correct)"
        print(f"{label:40} {p['shown']:6d} {_fmt(p['precision']):>9} {_fmt(p['recall']):>7}")
    s = r["session"]
    print(f"\nsimulated sessions, 200 feedback events x {s['seeds']} seeds, knob {r['default_precision_knob']}"
          f" (picky user also rejects '{s['picky_user_rejects_operator']}'):")
    print(f"{'user / model':32} {'precision':>9}   per 50 events")
    for user in ("accepts_iff_correct", "picky"):
        for kind in ("online", "frozen"):
            x = s[user][kind]
            print(f"{user + ' / ' + kind:32} {_fmt(x['precision']):>9}   "
                  + " ".join(_fmt(v) for v in x["precision_per_50_events"]))
    for name, sample in r.get("held_out", {}).items():
        print(f"held-out {name} ({sample['programs']} programs), shown / correct / precision per knob: "
              + "  ".join(f"{k}: {v['shown']}/{v['correct']}/{_fmt(v['precision'])}"
                          for k, v in sample.items() if k != "programs"))
    print("\ntargets:", ", ".join(f"{k}={'yes' if v else 'NO'}" for k, v in r["targets"].items()))
    print(f"wrote {os.path.relpath(OUT_JSON, ROOT)}")


if __name__ == "__main__":
    sys.exit(main())
