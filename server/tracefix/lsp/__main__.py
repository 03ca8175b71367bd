import sys

from tracefix.lsp.serve import main

raise SystemExit(main(sys.argv[1:]))
