"""The monthly report is written next to the tests, as the shop's old script did."""
from pathlib import Path

from invoicing.core import invoice_total

HERE = Path(__file__).parent


def test_report_written(small_order):
    stale = HERE / "last_report.txt"
    if stale.exists():
        stale.unlink()
    out = HERE / "output" / "report.txt"
    out.parent.mkdir(exist_ok=True)
    out.write_text(f"total={invoice_total(small_order):.2f}\n")
    with open(HERE / "runs.log", "a") as log:
        log.write("report written\n")
    assert out.read_text() == "total=21.00\n"
    assert not stale.exists()
