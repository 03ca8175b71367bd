"""The issue-12 cases as measurements: each function runs one category through the real CLI (or one
language server) and returns plain rows for bench/hostile.py's table and JSON.

The tests in test_hostile_*.py assert on the same runs; here nothing is asserted, everything
is counted and timed.
"""
from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path

import cases
import docs
import wire
import world

GUARD_S = 120.0  # a run that takes longer counts as hung


def protected_places(root: Path) -> list[dict]:
    """The filesystem scenario in each sandbox mode: byte-identical yes/no per place."""
    rows = []
    for mode in world.MODES:
        w = world.World(root / f"fs-{mode}").build()
        try:
            r = world.fs_scenario(w, mode)
            rows.append({"mode": mode, **{f"identical: {p}": not d for p, d in r.diffs.items()},
                         "nothing planted in tracefix cache": not r.planted_in_cache,
                         "nothing left in /tmp, /var/tmp, /dev/shm": not r.leftovers,
                         "later runs right": all(c.by_name == world.UNRELATED_OUTCOMES for c in r.after.values()),
                         "planted .pth never ran": not r.pth_ran,
                         "hostile run exits": sorted({c.returncode for c in r.runs.values()}, key=str),
                         "changes": {p: d for p, d in r.diffs.items() if d}, "leftovers": r.leftovers})
        finally:
            w.cleanup()
    return rows


def honest_outcomes(root: Path) -> list[dict]:
    rows = []
    for mode in world.MODES:
        for kind in docs.ENDINGS:
            run = world.debug(docs.ending(root / mode / kind, kind), world.mode_env(mode), "--no-repair",
                              "--timeout", "20", wall=GUARD_S)
            rows.append(_outcome_row(mode, kind, run, "test_ends"))
        for template in ("crashes_forkserver.py", "signals_sandbox.py"):
            run = world.debug(docs.attack(root / mode / template, template, "attack.py"), world.mode_env(mode),
                              "--no-repair", "--timeout", "20", wall=GUARD_S)
            rows.append(_outcome_row(mode, template[:-3], run, "test_b"))
    return rows


def _outcome_row(mode: str, case: str, run: world.Cli, key_test: str) -> dict:
    ids = [t["id"] for t in (run.report or {}).get("tests", [])]
    return {"mode": mode, "case": case, "exit": run.returncode, "hung": run.hung,
            "misbehaving test": run.by_name.get(key_test, "missing"),
            "tests reported": len(ids), "reported twice": sum(n > 1 for n in Counter(ids).values()),
            "outcomes": run.by_name}


def bounded(root: Path) -> list[dict]:
    """FIFO / symlink-loop / /usr link / 10,000-file folders, the flood and the timeout leftovers (CLI)."""
    rows = []
    for mode in world.MODES:
        for make in ("plain", "fifo", "symlink_loop", "symlink_out", "many_files"):
            tmp = root / mode / f"{make}-tmp"
            tmp.mkdir(parents=True)
            doc = getattr(docs, make)(root / mode / make)
            run = world.debug(doc, {**world.mode_env(mode), "TMPDIR": str(tmp)}, "--no-repair", "--timeout", "20",
                              wall=GUARD_S)
            timing = (run.report or {}).get("timing_ms", {})
            rows.append({"mode": mode, "case": make, "hung": run.hung, "exit": run.returncode,
                         "right result": run.by_name == docs.BOUNDED_OUTCOMES,
                         "discover_ms": round(timing.get("discover", -1), 1), "total_s": round(run.wall_s, 2),
                         "timing_ms": {k: round(v) for k, v in timing.items()},
                         "rss_mb": round(run.rss_kb / 1024, 1), "tmpdir_left_mb": _mb(tmp)})
            shutil.rmtree(root / mode, ignore_errors=True)
        for case, make, key in (("flood 400 MB, no newline", docs.flood, "test_real"),
                                ("1,000,000 forged results", docs.forge, "test_real")):
            tmp = root / mode / f"{make.__name__}-tmp"
            tmp.mkdir(parents=True)
            run = world.debug(make(root / mode / make.__name__), {**world.mode_env(mode), "TMPDIR": str(tmp)},
                              "--no-repair", "--timeout", "30", wall=GUARD_S)
            rows.append({"mode": mode, "case": case, "hung": run.hung, "exit": run.returncode,
                         "right result": run.by_name.get(key) == "failed", "total_s": round(run.wall_s, 2),
                         "rss_mb": round(run.rss_kb / 1024, 1), "tmpdir_left_mb": _mb(tmp)})
        token = uuid.uuid4().hex[:12]
        run = world.debug(docs.timeout_leftovers(root / mode / "hangs", token), world.mode_env(mode), "--no-repair",
                          "--timeout", "3", wall=GUARD_S)
        left = [f"{d}/{n}" for d in ("/dev/shm", "/tmp") for n in os.listdir(d) if token in n]
        for path in left:
            os.remove(path)
        rows.append({"mode": mode, "case": "timeout with /tmp and /dev/shm files", "hung": run.hung,
                     "exit": run.returncode, "right result": run.by_name.get("test_leaves_segments_then_hangs")
                     == "timeout", "total_s": round(run.wall_s, 2), "leftovers": len(left)})
        shutil.rmtree(root / mode, ignore_errors=True)
    return rows


def _mb(folder: Path) -> float:
    total = 0
    for dirpath, _dirs, files in os.walk(folder):
        for name in files:
            try:
                total += os.lstat(os.path.join(dirpath, name)).st_size
            except OSError:
                pass
    return round(total / 2**20, 1)


def tracing(root: Path) -> list[dict]:
    rows = []
    for name, timeout in (("traced_side_effects.py", "20"), ("blocking_repr.py", "10")):
        doc = root / name
        root.mkdir(parents=True, exist_ok=True)
        shutil.copy(world.HERE / name, doc)
        run = world.debug(doc, cases.secret_env(), "--timeout", timeout, "--repair-seconds", "30", wall=GUARD_S)
        rows.append({"case": name[:-3], "exit": run.returncode, "tests": len(run.by_name),
                     "passed (untraced verdict)": sum(o == "passed" for o in run.by_name.values()),
                     "fixes shown": sum(bool(s.get("shown")) for s in (run.report or {}).get("suggestions", [])),
                     "fixes offered": len((run.report or {}).get("suggestions", []))})
    return rows


def feedback_store(root: Path, rows_n: int = 1_000_000) -> dict:
    """`tracefix debug` with a clean store vs one holding a million junk rows (and a corrupt one)."""
    doc = root / "adult.py"
    root.mkdir(parents=True, exist_ok=True)
    doc.write_text("def is_adult(age):\n    return age > 18\n\n\ndef test_adult():\n    assert is_adult(18)\n")
    out = {}
    for label in ("clean", "junk", "corrupt"):
        data = root / f"data-{label}"
        data.mkdir()
        store = data / "feedback.sqlite3"
        if label == "clean":
            from tracefix.feedback import FeedbackStore

            for event in ("accept", "reject", "ignore"):
                FeedbackStore(str(data)).record({"operator": "comparison", "key": event}, event)
        elif label == "junk":
            from tracefix.feedback import FeedbackStore

            FeedbackStore(str(data)).record({"operator": "seed"}, "accept")
            db = sqlite3.connect(str(store))
            with db:
                db.executemany("INSERT INTO events (ts, event, operator, key, features) VALUES (?, ?, ?, ?, ?)",
                               ((1e12, "junk", "op", f"k{i}", "{not json" + "x" * 100) for i in range(rows_n)))
            db.close()
        elif label == "corrupt":
            store.write_bytes(b"SQLite format 3\x00" + os.urandom(4096))
        env = {**cases.secret_env(), "TRACEFIX_DATA_DIR": str(data)}
        run = world.debug(doc, env, "--timeout", "20", "--repair-seconds", "30", wall=GUARD_S)
        notes = [m for m in run.messages if "feedback store" in m]
        out[label] = {"exit": run.returncode, "total_s": round(run.wall_s, 2), **_read_cost(data),
                      "store_mb": round(store.stat().st_size / 2**20, 1) if store.exists() else 0,
                      "traceback": "Traceback (most recent call last)" in run.stderr, "note": notes[:1]}
    return out


def _read_cost(data: Path) -> dict:
    """What decide reads from the store (its version, then the newest 2,000 events), timed in-process."""
    from tracefix.feedback import FeedbackError, FeedbackStore

    store = FeedbackStore(str(data))
    t0 = time.perf_counter()
    try:
        store.version()
        store.events(limit=2000)
    except FeedbackError:
        pass
    return {"read_ms": round((time.perf_counter() - t0) * 1000, 1), "problems": store.problems()}


# -- the language server: hostile documents next to a control document ------------------------------

LSP_HOSTILE = (("poison the fork server", lambda d: docs.attack(d, "poisons_forkserver.py", "attack.py")),
               ("crash the fork server", lambda d: docs.attack(d, "crashes_forkserver.py", "attack.py")),
               ("signal everything", lambda d: docs.attack(d, "signals_sandbox.py", "attack.py")),
               ("KeyboardInterrupt", lambda d: docs.ending(d, "keyboard_interrupt")),
               ("os._exit(0)", lambda d: docs.ending(d, "os_exit_0")),
               ("FIFO test file", docs.fifo), ("symlink loop", docs.symlink_loop), ("link to /usr", docs.symlink_out),
               ("10,000 files", docs.many_files), ("flood 400 MB", docs.flood),
               ("1,000,000 forged results", docs.forge))


def server(root: Path, mode: str = "namespaces") -> dict:
    """One server; a control document re-run after every hostile run; hover/codeAction on it while they run."""
    root.mkdir(parents=True, exist_ok=True)
    tmp = root / "tmpdir"
    tmp.mkdir()
    srv = wire.Server(env={**world.mode_env(mode), "TMPDIR": str(tmp), "TRACEFIX_DATA_DIR": str(root / "data")},
                      cwd=str(root))
    srv.initialize({"runOn": "save", "timeoutSeconds": 20, "repair": False})
    control = root / "control" / "unrelated.py"
    control.parent.mkdir()
    control.write_text(world.UNRELATED)
    wire.did_open(srv, control.as_uri(), control.read_text(), 1)
    first = wire.final_results(srv, 1, GUARD_S)
    rows, latencies, control_runs = [], [], 1
    for i, (name, make) in enumerate(LSP_HOSTILE):
        version = 100 + i
        doc = make(root / f"case{i}")
        t0 = time.monotonic()
        wire.did_open(srv, doc.as_uri(), doc.read_bytes().decode("utf-8", "replace"), version)
        mine, unanswered = [], 0
        while True:  # probe the control document while the hostile run is in flight
            for call in (wire.hover, wire.code_action):
                t = time.perf_counter()
                answer = call(srv, control.as_uri(), timeout=15)
                if answer is None:
                    unanswered += 1
                else:
                    mine.append(wire.elapsed_ms(t))
            done = wire.final_results(srv, version, 0.2)
            if done is not None or not srv.alive or time.monotonic() - t0 > GUARD_S:
                break
        ended_s = time.monotonic() - t0
        srv.notify("textDocument/didSave", {"textDocument": {"uri": control.as_uri()}})
        control_runs += 1
        after = wire.final_results(srv, 1, GUARD_S, nth=control_runs)
        latencies += mine
        rows.append({"case": name, "run_ended": done is not None, "run_s": round(ended_s, 1),
                     "control_verdict_right": bool(after) and (after["failing"], after["total"]) == (1, 2),
                     "probes": len(mine), "unanswered": unanswered,
                     "max_ms": round(max(mine), 1) if mine else None, "rss_mb": round(wire.rss_kb(srv) / 1024, 1)})
        if not srv.alive:
            break
    ordered = sorted(latencies)
    result = {"mode": mode, "control_first_right": bool(first) and (first["failing"], first["total"]) == (1, 2),
              "rows": rows, "alive": srv.alive, "peak_rss_mb": round(srv.rss_peak_kb() / 1024, 1),
              "p50_ms": round(ordered[len(ordered) // 2], 1) if ordered else None,
              "p99_ms": round(ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))], 1) if ordered else None,
              "secrets": cases.leaked(str(srv.inbox))}
    result["exit_code"] = srv.close(timeout=20)
    shutil.rmtree(root, ignore_errors=True)
    return result


def scratch() -> Path:
    return Path(tempfile.mkdtemp(prefix="tracefix-bench-hostile12-"))
