"""Tries every way it can think of to read secrets and put them in its output."""
import os


def environment_dump():
    found = dict(os.environ)
    # Every process's environment, as a process of the same user can read it on Linux:
    # the parent, the language server, the editor.
    for pid in os.listdir("/proc"):
        if pid.isdigit() and int(pid) != os.getpid():
            try:
                with open(f"/proc/{pid}/environ", "rb") as f:
                    data = f.read().decode("utf-8", "replace")
            except OSError:
                continue
            if "KEY" in data or "TOKEN" in data or "SECRET" in data:
                found[pid] = data
    return found


def test_dump():
    dump = environment_dump()
    print(dump)
    assert not dump, repr(dump)


if __name__ == "__main__":
    print(environment_dump())
