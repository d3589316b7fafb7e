"""Channel-free at the seam (issue 18): a person is reached at a ``(channel, address)``, a picture is a
channel's media reference, the outbox addresses a user on a channel, a tip-off names the channel it came by.

- ``app_user.telegram_id`` → ``channel`` + ``address`` (unique together; ``"telegram"``, the id as text; the
  ledger import's account, Telegram id 0, becomes ``system``/``ledger-import``);
- ``photo.telegram_file_id``/``telegram_file_unique_id`` → ``media_channel`` + ``media_ref`` + ``media_unique``;
- ``reminder_outbox.chat_id`` → ``channel`` + ``address`` (a private chat's id is its user's id);
- ``tipoff.reporter_chat_id`` → ``reporter_channel`` (tip-offs are taken in private chats only, so the chat
  was always the reporter's own: their address is on their user row).

Revision ID: 0130
Revises: 0120
Create Date: 2026-12-07
"""
from alembic import op
import sqlalchemy as sa


revision = "0130"
down_revision = "0120"
branch_labels = None
depends_on = "0040"  # the tipoff table (its own branch from 0001)

_TG = sa.text("'telegram'")


def upgrade() -> None:
    with op.batch_alter_table("app_user") as batch_op:
        batch_op.add_column(sa.Column("channel", sa.String(length=16), nullable=False, server_default=_TG))
        batch_op.add_column(sa.Column("address", sa.String(length=64), nullable=True))
    op.execute("UPDATE app_user SET address = CAST(telegram_id AS VARCHAR(64))")
    # the ledger import's account had the Telegram id 0 (no Telegram user has it): now a system account
    op.execute("UPDATE app_user SET channel = 'system', address = 'ledger-import' WHERE telegram_id = 0")
    with op.batch_alter_table("app_user") as batch_op:
        batch_op.alter_column("channel", existing_type=sa.String(length=16), server_default=None)
        batch_op.alter_column("address", existing_type=sa.String(length=64), nullable=False)
        batch_op.drop_index("ix_app_user_telegram_id")
        batch_op.drop_column("telegram_id")
        batch_op.create_unique_constraint("uq_app_user_channel_address", ["channel", "address"])

    with op.batch_alter_table("photo") as batch_op:
        batch_op.add_column(sa.Column("media_channel", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("media_ref", sa.String(length=256), nullable=True))
        batch_op.add_column(sa.Column("media_unique", sa.String(length=64), nullable=True))
    op.execute("UPDATE photo SET media_channel = 'telegram', media_ref = telegram_file_id, "
               "media_unique = telegram_file_unique_id WHERE telegram_file_id IS NOT NULL")
    with op.batch_alter_table("photo") as batch_op:
        batch_op.drop_column("telegram_file_unique_id")
        batch_op.drop_column("telegram_file_id")

    with op.batch_alter_table("reminder_outbox") as batch_op:
        batch_op.add_column(sa.Column("channel", sa.String(length=16), nullable=False, server_default=_TG))
        batch_op.add_column(sa.Column("address", sa.String(length=64), nullable=True))
    op.execute("UPDATE reminder_outbox SET address = CAST(chat_id AS VARCHAR(64))")
    with op.batch_alter_table("reminder_outbox") as batch_op:
        batch_op.alter_column("channel", existing_type=sa.String(length=16), server_default=None)
        batch_op.alter_column("address", existing_type=sa.String(length=64), nullable=False)
        batch_op.drop_column("chat_id")

    with op.batch_alter_table("tipoff") as batch_op:
        batch_op.add_column(sa.Column("reporter_channel", sa.String(length=16), nullable=False, server_default=_TG))
    with op.batch_alter_table("tipoff") as batch_op:
        batch_op.alter_column("reporter_channel", existing_type=sa.String(length=16), server_default=None)
        batch_op.drop_column("reporter_chat_id")


def downgrade() -> None:
    """Back to Telegram ids; fails (NOT NULL) if a user, a queued message or a tip-off of another channel exists."""
    with op.batch_alter_table("tipoff") as batch_op:
        batch_op.add_column(sa.Column("reporter_chat_id", sa.BigInteger(), nullable=True))
    op.execute("UPDATE tipoff SET reporter_chat_id = (SELECT CAST(u.address AS BIGINT) FROM app_user u "
               "WHERE u.id = tipoff.reporter_user_id AND u.channel = 'telegram')")
    with op.batch_alter_table("tipoff") as batch_op:
        batch_op.alter_column("reporter_chat_id", existing_type=sa.BigInteger(), nullable=False)
        batch_op.drop_column("reporter_channel")

    with op.batch_alter_table("reminder_outbox") as batch_op:
        batch_op.add_column(sa.Column("chat_id", sa.BigInteger(), nullable=True))
    op.execute("UPDATE reminder_outbox SET chat_id = CAST(address AS BIGINT) WHERE channel = 'telegram'")
    with op.batch_alter_table("reminder_outbox") as batch_op:
        batch_op.alter_column("chat_id", existing_type=sa.BigInteger(), nullable=False)
        batch_op.drop_column("address")
        batch_op.drop_column("channel")

    with op.batch_alter_table("photo") as batch_op:
        batch_op.add_column(sa.Column("telegram_file_id", sa.String(length=256), nullable=True))
        batch_op.add_column(sa.Column("telegram_file_unique_id", sa.String(length=64), nullable=True))
    op.execute("UPDATE photo SET telegram_file_id = media_ref, telegram_file_unique_id = media_unique "
               "WHERE media_channel = 'telegram'")
    with op.batch_alter_table("photo") as batch_op:
        batch_op.drop_column("media_unique")
        batch_op.drop_column("media_ref")
        batch_op.drop_column("media_channel")

    with op.batch_alter_table("app_user") as batch_op:
        batch_op.add_column(sa.Column("telegram_id", sa.BigInteger(), nullable=True))
    op.execute("UPDATE app_user SET telegram_id = CAST(address AS BIGINT) WHERE channel = 'telegram'")
    op.execute("UPDATE app_user SET telegram_id = 0 WHERE channel = 'system' AND address = 'ledger-import'")
    with op.batch_alter_table("app_user") as batch_op:
        batch_op.alter_column("telegram_id", existing_type=sa.BigInteger(), nullable=False)
        batch_op.drop_constraint("uq_app_user_channel_address", type_="unique")
        batch_op.drop_column("address")
        batch_op.drop_column("channel")
        batch_op.create_index("ix_app_user_telegram_id", ["telegram_id"], unique=True)
