"""Tries every way it can think of to read secrets and put them in its output."""
import os


def environment_dump():
    found = dict(os.environ)
    # The parent's environment, as a process of the same user can read it on Linux.
    try:
        with open(f"/proc/{os.getppid()}/environ", "rb") as f:
            found["parent"] = f.read().decode("utf-8", "replace")
    except OSError as exc:
        found["parent"] = str(exc)
    return found


def test_dump():
    dump = environment_dump()
    print(dump)
    assert not dump, repr(dump)


if __name__ == "__main__":
    print(environment_dump())
