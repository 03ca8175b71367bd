"""Ignores SIGTERM (and SIGINT, SIGHUP) and then never finishes."""
import signal
import time

for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
    signal.signal(sig, signal.SIG_IGN)


def test_stubborn():
    while True:
        time.sleep(0.05)
