"""What tracefix remembers per (project, environment) between runs: the collection, the coverage map, outcomes.

One JSON file per project key in tracefix's cache folder (hidden from every child,
so no test can plant data here). Written atomically; anything that does not load
or has the wrong shape is treated as absent: the cache can only make runs faster,
never wrong. The coverage map is the pytest-testmon idea: which project files each
test executed, updated after every traced run, so a save runs only the tests that
can see the change.
"""
from __future__ import annotations

import json
import os
import tempfile
import threading

from tracefix.project import Project, cache_dir

VERSION = 1
MAX_BYTES = 64 * 1024 * 1024
_lock = threading.Lock()


def _path(project: Project) -> str:
    folder = os.path.join(cache_dir(), "projects")
    os.makedirs(folder, mode=0o700, exist_ok=True)
    return os.path.join(folder, project.key() + ".json")


def _load(project: Project) -> dict:
    try:
        path = _path(project)
        if os.path.getsize(path) > MAX_BYTES:
            return {}
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("version") != VERSION or data.get("root") != project.root:
        return {}
    return data


def _update(project: Project, change) -> None:
    with _lock:
        data = _load(project) or {"version": VERSION, "root": project.root}
        change(data)
        path = _path(project)
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".tmp-")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(data, f)
            os.replace(tmp, path)
        except OSError:
            try:
                os.unlink(tmp)
            except OSError:
                pass


def load_collection(project: Project, fingerprint: str) -> dict | None:
    entry = _load(project).get("collection")
    if not isinstance(entry, dict) or entry.get("fingerprint") != fingerprint:
        return None
    value = entry.get("value")
    keys = {"tests", "errors", "reach", "doc_module", "pytest", "problem"}
    if not isinstance(value, dict) or set(value) != keys or not isinstance(value["tests"], list):
        return None
    return value


def store_collection(project: Project, fingerprint: str, value: dict) -> None:
    _update(project, lambda data: data.__setitem__("collection", {"fingerprint": fingerprint, "value": value}))


def load_coverage(project: Project) -> dict[str, list[str]]:
    cov = _load(project).get("coverage")
    if not isinstance(cov, dict):
        return {}
    return {k: v for k, v in cov.items() if isinstance(k, str) and isinstance(v, list)}


def load_outcomes(project: Project) -> dict[str, str]:
    out = _load(project).get("outcomes")
    if not isinstance(out, dict):
        return {}
    return {k: v for k, v in out.items() if isinstance(k, str) and isinstance(v, str)}


def record_run(project: Project, outcomes: dict[str, str], files: dict[str, list[str]]) -> None:
    """Merge one run's outcomes and executed files into the store (incremental, per test)."""
    def change(data: dict) -> None:
        old = data.get("outcomes") if isinstance(data.get("outcomes"), dict) else {}
        data["outcomes"] = {**old, **outcomes}
        cov = data.get("coverage") if isinstance(data.get("coverage"), dict) else {}
        data["coverage"] = {**cov, **{k: sorted(set(map(str, v)))[:5000] for k, v in files.items()}}

    if outcomes or files:
        _update(project, change)
