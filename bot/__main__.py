"""``python -m bot``: the ``hazardbot`` command line (``bot.cli.main``)."""

from bot.cli import main

raise SystemExit(main())
