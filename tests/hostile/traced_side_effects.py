"""Correct code whose tests pass untraced, and fail if rendering values runs user code (issue 12 part 3).

Each test counts what a tracer must never do: sort a set or dict by a user ``__lt__``, look
up attributes through ``__getattr__`` or properties, ask a user container its length,
drain a generator, keep a loop's locals alive (``__del__`` counter), or eat recursion
headroom. Traced and untraced verdicts must agree (all pass), and no fix may be shown.
"""
import sys


class Key:
    compared = 0

    def __init__(self, n):
        self.n = n

    def __hash__(self):
        return self.n

    def __eq__(self, other):
        return isinstance(other, Key) and self.n == other.n

    def __lt__(self, other):
        Key.compared += 1
        return self.n < other.n


def collect(ns):
    keys = {Key(n) for n in ns}
    table = {Key(n): n for n in ns}
    total = len(keys) + len(table)
    return total


def test_sets_are_not_sorted_by_user_lt():
    assert collect([3, 1, 2]) == 6
    assert Key.compared == 0


class Lazy:
    lookups = 0

    def __getattr__(self, name):
        Lazy.lookups += 1
        raise AttributeError(name)


def make():
    obj = Lazy()
    obj.x = 1
    value = obj.x
    return value


def test_getattr_is_never_called():
    assert make() == 1
    assert Lazy.lookups == 0


class Account:
    reads = 0

    def __init__(self):
        self._balance = 5

    @property
    def balance(self):
        Account.reads += 1
        return self._balance


def pay():
    acc = Account()
    amount = acc.balance
    return amount


def test_properties_are_read_only_by_the_code():
    assert pay() == 5
    assert Account.reads == 1


class Counted(list):
    sized = 0

    def __len__(self):
        Counted.sized += 1
        return super().__len__()


def fill():
    box = Counted()
    box.append(1)
    box.append(2)
    return box[0] + box[1]


def test_user_containers_are_not_asked_their_length():
    assert fill() == 3
    assert Counted.sized == 0


def numbers(log):
    for i in range(3):
        log.append(i)
        yield i


def take_one():
    log = []
    gen = numbers(log)
    first = next(gen)
    return first, log


def test_generators_are_not_drained():
    assert take_one() == (0, [0])


class Handle:
    alive = 0

    def __init__(self):
        Handle.alive += 1

    def __del__(self):
        Handle.alive -= 1


def churn(n):
    for _ in range(n):
        h = Handle()
        del h
    return Handle.alive


def test_loop_locals_are_not_kept_alive():
    assert churn(5) == 0


def _depth():
    frame, n = sys._getframe(), 0
    while frame is not None:
        frame, n = frame.f_back, n + 1
    return n


def down(n):
    if n == 0:
        return 0
    return 1 + down(n - 1)


def test_recursion_headroom_is_the_untraced_one():
    room = sys.getrecursionlimit() - _depth() - 25
    assert down(room) == room
