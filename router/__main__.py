"""`python -m router` is the `ava-router` command."""

from router.cli import main

raise SystemExit(main())
