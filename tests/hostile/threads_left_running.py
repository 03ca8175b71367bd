"""Starts a non-daemon thread that never ends, then fails quickly."""
import threading
import time


def background():
    while True:
        time.sleep(0.05)


def test_leaves_thread():
    threading.Thread(target=background, daemon=False).start()
    assert 1 + 1 == 3
