"""tracefix: trace the tests of the file you are editing, find the faulty block, propose a validated fix."""
__version__ = "0.1.0"
