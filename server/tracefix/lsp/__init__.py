"""The tracefix language server: ``serve.main`` starts it (``tracefix serve``), ``server.build_server`` wires it."""
