"""Packaged configuration, read with ``importlib.resources``: ``settings.toml``, the forms (``forms/*.toml``),
hazard types, holidays, the unit registry and map data (``data/``), notice templates and the CJK font."""
