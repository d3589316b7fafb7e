"""``python -m bot``: the ``hazardbot`` command line (``bot.cli.main``)."""

