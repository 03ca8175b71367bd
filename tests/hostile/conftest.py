# The hostile corpus is input for tracefix, not part of our own suite: never collect it here.
collect_ignore_glob = ["*.py"]
