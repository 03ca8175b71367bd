import sys

from tracefix.lsp import main

raise SystemExit(main(sys.argv[1:]))
