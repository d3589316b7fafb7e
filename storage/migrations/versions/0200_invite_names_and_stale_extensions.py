"""Three changes of one release, under the one revision id given to it:

1. An invite code may name the person invited (``invite_code.registered_name``, ``hazardbot invite --name``,
   ``/invite … 姓名:…``): redeeming it makes that their registered name, so people who join by invite rather than
   by the contact form (附件4) are not printed on records and papers under their Telegram display name. Going
   down drops the column (names already redeemed stay on ``app_user``).

2. Deadline extension requests (延期申请) left pending from before the rule "a rectification report lapses a
   waiting request" (``bot.services.extension_state.lapse_pending``, applied since in the report's own transaction):
   the rule applied once to the rows it came too late for, so the rule keeps one home and nothing reads requests
   twice. A pending request lapses when its hazard had a rectification report at or after the request was made
   (``decided_by``/``decided_at``: that report's reporter and time), or when the hazard is past the rectification
   (rectified, closure requested or closed, e.g. from an imported ledger, without a report row: no one decided it,
   the time is the migration's). The note is the rule's own (``extension_state.LAPSE_NOTE``). A request made after
   the last report (a failed re-inspection sent the hazard back) still waits. Going down leaves them lapsed:
   ``lapsed`` is a status the schema below already knows, and which pending rows this closed is not kept.

3. The district emergency bureau goes by its current name 区应急局 (``config/data/departments.csv``, the plan's
   区安监局 an alias now): its unit (``dept-21``) and the hazards naming it as their industry department
   (所属区/市行业部门) are renamed, so a unit's scope (hazards matched by the department's name) keeps them; the
   status tallies count by unit id and stay as they are. Going down names them 区安监局 again.

Revision ID: 0200
Revises: 0190
Create Date: 2026-12-07
"""
from datetime import UTC, datetime

from alembic import op
import sqlalchemy as sa


revision = "0200"
down_revision = "0190"
branch_labels = None
depends_on = None

LAPSE_NOTE = "已报告整改，延期申请不再需要"  # extension_state.LAPSE_NOTE (storage imports nothing from bot)
PAST_RECTIFICATION = ("rectified", "closure_requested", "closed")

_ext = sa.table("deadline_extension", sa.column("id", sa.Integer), sa.column("hazard_id", sa.Integer),
                sa.column("status", sa.String), sa.column("requested_at", sa.DateTime),
                sa.column("decided_by", sa.Integer), sa.column("decided_at", sa.DateTime),
                sa.column("decision_note", sa.String))
_report = sa.table("rectification", sa.column("id", sa.Integer), sa.column("hazard_id", sa.Integer),
                   sa.column("reported_by", sa.Integer), sa.column("reported_at", sa.DateTime))
_hazard = sa.table("hazard", sa.column("id", sa.Integer), sa.column("state", sa.String),
                   sa.column("district_department", sa.String), sa.column("city_department", sa.String))
_unit = sa.table("unit", sa.column("code", sa.String), sa.column("name", sa.String))
BUREAU_CODE, OLD_NAME, NEW_NAME = "dept-21", "区安监局", "区应急局"


def upgrade() -> None:
    with op.batch_alter_table("invite_code") as batch_op:
        batch_op.add_column(sa.Column("registered_name", sa.String(length=64), nullable=True))
    _lapse_stale_requests()
    _rename_department(OLD_NAME, NEW_NAME)


def _lapse_stale_requests() -> None:
    after = sa.and_(_report.c.hazard_id == _ext.c.hazard_id, _report.c.reported_at >= _ext.c.requested_at)
    first = sa.select(_report.c.reported_by, _report.c.reported_at).where(after).order_by(
        _report.c.reported_at, _report.c.id).limit(1)
    past = sa.select(_hazard.c.id).where(_hazard.c.id == _ext.c.hazard_id,
                                         _hazard.c.state.in_(PAST_RECTIFICATION))
    now = datetime.now(UTC).replace(tzinfo=None)  # stored as naive UTC, as storage.types.UTCDateTime does
    op.get_bind().execute(
        _ext.update()
        .where(_ext.c.status == "pending", sa.or_(sa.exists(first), sa.exists(past)))
        .values(status="lapsed", decision_note=LAPSE_NOTE,
                decided_by=first.with_only_columns(_report.c.reported_by).scalar_subquery(),
                decided_at=sa.func.coalesce(first.with_only_columns(_report.c.reported_at).scalar_subquery(),
                                            sa.literal(now, sa.DateTime)))
    )


def _rename_department(old: str, new: str) -> None:
    bind = op.get_bind()
    bind.execute(_unit.update().where(_unit.c.code == BUREAU_CODE, _unit.c.name == old).values(name=new))
    for column in ("district_department", "city_department"):
        bind.execute(_hazard.update().where(_hazard.c[column] == old).values({column: new}))


def downgrade() -> None:
    _rename_department(NEW_NAME, OLD_NAME)
    with op.batch_alter_table("invite_code") as batch_op:
        batch_op.drop_column("registered_name")
