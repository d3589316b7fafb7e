"""Join the four branches that grew from 0120 in one session (channel addresses 0130, hazard zones 0140,
``hazard.closed_at`` 0150, submission files 0160) into one head, so later migrations form a line again.
Nothing changes in the schema.

Revision ID: 0165
Revises: 0130, 0140, 0150, 0160
Create Date: 2026-12-07
"""

revision = "0165"
down_revision = ("0130", "0140", "0150", "0160")
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Nothing to do: a merge point."""


def downgrade() -> None:
    """Nothing to do: a merge point."""
