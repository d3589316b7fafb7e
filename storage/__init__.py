"""Persistence: SQLModel tables, engine and unit of work, repositories, migrations, photo store."""
