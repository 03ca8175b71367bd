"""Loop-heavy: prime sieve and a checksum over it."""


def primes(limit):
    flags = [True] * (limit + 1)
    flags[0] = flags[1] = False
    for i in range(2, int(limit ** 0.5) + 1):
        if flags[i]:
            for j in range(i * i, limit + 1, i):
                flags[j] = False
    return [i for i, f in enumerate(flags) if f]


def checksum(values):
    total = 0
    for v in values:
        if v % 4 == 1:
            total += v
        else:
            total -= v // 2
    return total


SIZES = {"full": 1_000_000, "small": 20_000}


def main(size="full"):
    return checksum(primes(SIZES[size]))
