"""A person's registered name (登记姓名): the name a unit's contact form (附件4) gives them, kept on the user as
``app_user.registered_name`` when they bind to its entry, and put on records and printed papers instead of the
Telegram display name (``full_name``, overwritten from Telegram on every update, often a nickname).

Users already bound to a registry entry get its name (the entry of the lowest id when several name them); the
others keep NULL and their Telegram name is used. Going down drops the column: the names stay in ``contact``.

Revision ID: 0190
Revises: 0180
Create Date: 2026-12-07
"""
from alembic import op
import sqlalchemy as sa


revision = "0190"
down_revision = "0180"
branch_labels = None
depends_on = None

_user = sa.table("app_user", sa.column("id", sa.Integer), sa.column("registered_name", sa.String))
_contact = sa.table("contact", sa.column("id", sa.Integer), sa.column("user_id", sa.Integer),
                    sa.column("name", sa.String))


def upgrade() -> None:
    with op.batch_alter_table("app_user") as batch_op:
        batch_op.add_column(sa.Column("registered_name", sa.String(length=64), nullable=True))
    first = (sa.select(_contact.c.name).where(_contact.c.user_id == _user.c.id, _contact.c.name != "")
             .order_by(_contact.c.id).limit(1).scalar_subquery())
    op.get_bind().execute(_user.update().values(registered_name=first))


def downgrade() -> None:
    with op.batch_alter_table("app_user") as batch_op:
        batch_op.drop_column("registered_name")
