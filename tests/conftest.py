"""Suite-wide isolation: nothing a test does may reach the developer's own tracefix data."""
import os
import tempfile

import pytest


@pytest.fixture(autouse=True, scope="session")
def _private_feedback_store():
    # Servers and CLIs started by tests inherit this; a test that wants its own store sets it again.
    with tempfile.TemporaryDirectory(prefix="tracefix-test-data-") as data:
        old = os.environ.get("TRACEFIX_DATA_DIR")
        os.environ["TRACEFIX_DATA_DIR"] = data
        yield data
        if old is None:
            os.environ.pop("TRACEFIX_DATA_DIR", None)
        else:
            os.environ["TRACEFIX_DATA_DIR"] = old
