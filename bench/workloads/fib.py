"""Call-heavy: naive recursion."""


def fib(n):
    if n < 2:
        return n
    return fib(n - 1) + fib(n - 2)


SIZES = {"full": 27, "small": 18}


def main(size="full"):
    return fib(SIZES[size])
