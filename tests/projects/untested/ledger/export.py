"""CSV export of a ledger (no tests yet)."""


def to_csv(rows, sep=","):
    lines = []
    for date, amount in rows:
        lines.append(f"{date}{sep}{amount:.2f}")
    return "\n".join(lines) + "\n"
