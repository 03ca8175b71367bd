# The hostile corpus is input for tracefix, not part of our own suite: never collect it here.
# Only the test modules named test_hostile_*.py (the checks of issue 12) are collected.
def pytest_ignore_collect(collection_path, config):
    if collection_path.suffix == ".py" and not collection_path.name.startswith("test_hostile_"):
        return True
    return None
