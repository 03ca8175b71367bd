from tracefix.cli import main

raise SystemExit(main())
