# Projects the runner tests copy into a temporary folder and run there; never tracefix's own tests.
collect_ignore_glob = ["*"]
