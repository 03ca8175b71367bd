# These folders are sample projects that tests/test_projects.py copies and debugs; several of their
# tests fail on purpose. They are not part of tracefix's own suite.
collect_ignore_glob = ["*"]
