"""Running balances of an account."""


def running(amounts, start=0):
    out = []
    total = start
    for amount in amounts:
        total += amount
        out.append(total)
    return out
