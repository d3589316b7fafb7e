"""Imports every module that defines tables, so that ``SQLModel.metadata`` is complete."""

from storage import (
    models,  # noqa: F401
    models_plans,  # noqa: F401
)
