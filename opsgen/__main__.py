"""``python -m opsgen`` runs the ``opsgen`` command."""

from opsgen.cli.main import main

raise SystemExit(main())
