"""The one catalog of the bot's commands: each command, what it does and who may use it.

``/help`` lists, and the Telegram command menu of each person holds, exactly the commands of the catalog that
person may use (``commands_for``). Who may use a command is read from the same rules the services check when it
is used — the life-cycle table (``bot.services.lifecycle.roles_for``), the forms' ``roles``, the report, admin,
tip-off and work-report services — so the list cannot promise what the service refuses. A command registered in
``handlers/`` and missing here fails ``tests/test_command_catalog.py``.

Adding a command is one line in ``CATALOG``, e.g. ``Command("submissions", lambda: _("Reports units sent"),
OFFICE_ADMIN)``: its words an English message id (translated in the .po; a function, so that it is rendered in each
reader's language) and ``who`` one of the audiences here or a set of ``Role``.
Framework-free: descriptions are ``reminders.texts.Text`` rendered in the reader's locale.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import NamedTuple

from bot.channels import ChannelAddress
from bot.domain import Role
from bot.forms.spec import load_form
from bot.services.actors import Grant, load_actor
from bot.services.lifecycle import DISTRICT_ROLES, READ_ROLES, Action, roles_for
from reminders.submissions import SUBMITTERS
from reminders.texts import Text, _, text
from storage.db import UowFactory
from storage.models import User

#: anyone, bound or not (the public)
EVERYONE: frozenset[Role] = frozenset({Role.PUBLIC})
#: anyone holding any role, admins included (``Actor.is_bound``)
BOUND: frozenset[Role] = READ_ROLES
#: the district office and admins (``lifecycle.has_district_scope``; the admin service's ``_require``)
OFFICE_ADMIN: frozenset[Role] = DISTRICT_ROLES
#: who sees summaries: a leader of any unit, the office, admins (``ReportService.scope``)
SUMMARIES: frozenset[Role] = frozenset({Role.LEADER, Role.OFFICE, Role.ADMIN})


def _form(key: str) -> frozenset[Role]:
    """The roles that may open form ``key`` (``FormService.start`` checks them)."""
    return frozenset(Role(r) for r in load_form(key).roles)


class Held(NamedTuple):
    """One role someone holds, as ``Command.allows`` reads it: held for a township (``township``) or at a
    district-level unit (``district``: ``Grant.at_district_unit``, e.g. a leader of 区安委办 or 区应急局)."""

    role: Role
    township: bool = False
    district: bool = False


def held_of(grants: Iterable[Grant]) -> list[Held]:
    """What ``grants`` hold, unit by unit, for ``commands_for``."""
    return [Held(g.role, g.unit_is_township, g.at_district_unit) for g in grants]


@dataclass(frozen=True)
class Command:
    """One command: ``name`` without the slash, ``words`` (its description, a function of no arguments returning
    an English message id through ``_``), ``who`` may use it (``Role.PUBLIC``: everyone; ``Role.ADMIN``: admins
    by settings or role), ``usage`` (its arguments as shown in /help, e.g. ``CODE``, translated like ``words``),
    ``township``: roles of ``who`` that count only when held for a township (tip-offs are verified by townships),
    and ``district``: roles of ``who`` that count only when held at a district-level unit (the inbox is read by
    the district's leaders, not a township's)."""

    name: str
    words: Callable[[], str]
    who: frozenset[Role]
    usage: Callable[[], str] | None = None
    township: frozenset[Role] = frozenset()
    district: frozenset[Role] = frozenset()

    def description(self) -> Text:
        """The description, to render in the reader's locale (``Text.render``)."""
        return text(self.words)

    def allows(self, roles: Iterable[tuple[Role, bool] | tuple[Role, bool, bool]]) -> bool:
        """Whether someone holding ``roles`` (``Held``, or (role, for a township) pairs) may use the command."""
        return any(h.role in self.who and (h.role not in self.township or h.township)
                   and (h.role not in self.district or h.district) for h in (Held(*r) for r in roles))


# the words: English message ids (Chinese in bot/locales/zh/LC_MESSAGES/hazardbot.po)
def _start() -> str: return _("Start: your roles and what you can do")
def _help() -> str: return _("This help: the commands you can use")
def _bind() -> str: return _("Bind to a unit with an invite code")
def _phone() -> str: return _("Bind by sharing your phone number (unit contacts, Annex 4)")
def _report() -> str: return _("Report a safety hazard (no binding needed, anonymous by default)")
def _track() -> str: return _("Follow a tip-off you reported")
def _my_reports() -> str: return _("The tip-offs you reported")
def _add() -> str: return _("Add photos or details to your open tip-off")
def _cancel() -> str: return _("Discard the form you are filling in")
def _resume() -> str: return _("Show the question of the form you are filling in")
def _inspect() -> str: return _("Record an inspection (Annex 1)")
def _hazard() -> str: return _("Record a hazard with photos and location (Annex 2)")
def _find() -> str: return _("Find hazards by any field: township, type, level, state, overdue, dates, text")
def _inspection() -> str: return _("Show an inspection with its history")
def _review() -> str: return _("Hazards awaiting your unit's review")
def _rectify() -> str: return _("Hazards being rectified or awaiting re-inspection")
def _link() -> str: return _("Link a new hazard found in the lookback of an old one")
def _office() -> str: return _("Hazards awaiting confirmation (挂账) or closure (销账)")
def _verify() -> str: return _("Draw the verification sample and record the checks")
def _tipoffs() -> str: return _("Tip-offs from the public waiting for verification")
def _block() -> str: return _("Stop the sender of a tip-off from reporting")
def _unblock() -> str: return _("Let a blocked sender report again")
def _plan() -> str: return _("File the unit's annual inspection plan (Annex 3)")
def _plan_file() -> str: return _("The annual plan (Annex 3) as Excel, to fill in and send back")
def _report_info() -> str: return _("Submit work information, a summary or a plan")
def _done() -> str: return _("Finish the submission you are sending")
def _submissions() -> str: return _("What units submitted, and which units are late")
def _status() -> str: return _("Where the campaign stands, with a chart")
def _rank() -> str: return _("The league table of units")
def _rank_subscribe() -> str: return _("Receive the league table every week")
def _rank_unsubscribe() -> str: return _("Stop the weekly league table")
def _map() -> str: return _("Map of major and overdue hazards")
def _export() -> str: return _("Export a ledger as Excel (hazards, inspections, plans, contacts)")
def _contacts_import() -> str: return _("Load the units' contact form (Annex 4)")
def _invite() -> str: return _("Issue an invite code for a role at a unit")
def _invites() -> str: return _("Invite codes not used yet")
def _revoke() -> str: return _("Withdraw an invite code")
def _users() -> str: return _("Users and their roles")
def _setrole() -> str: return _("Give or change a user's role")
def _unsetrole() -> str: return _("Take a role away from a user")


# the arguments, as /help shows them
def _u_code() -> str: return _("CODE")
def _u_number() -> str: return _("NUMBER")
def _u_words() -> str: return _("[WORDS]")
def _u_month_kind_unit() -> str: return _("[YYYY-MM] [KIND] [UNIT]")
def _u_inspection() -> str: return _("J…")
def _u_old_new() -> str: return _("OLD NEW")
def _u_period() -> str: return _("[FROM TO]")
def _u_export() -> str: return _("[hazards|inspections|plans|contacts] (Annex 2|1|3|4)")
def _u_invite() -> str: return _("ROLE UNIT [name:NAME]")
def _u_unit() -> str: return _("[UNIT]")
def _u_setrole() -> str: return _("USER_ID UNIT ROLE [OLD_ROLE]")
def _u_unsetrole() -> str: return _("USER_ID UNIT ROLE")


#: in the order /help and the menu show them: everyone's first, then recording, work lists, summaries, admin
CATALOG: tuple[Command, ...] = (
    Command("start", _start, EVERYONE),
    Command("help", _help, EVERYONE),
    Command("bind", _bind, EVERYONE, _u_code),
    Command("phone", _phone, EVERYONE),
    Command("report", _report, EVERYONE),
    Command("track", _track, EVERYONE, _u_number),
    Command("my_reports", _my_reports, EVERYONE),
    Command("add", _add, EVERYONE, _u_number),
    Command("cancel", _cancel, EVERYONE),  # tip-offs are forms too
    Command("resume", _resume, EVERYONE),
    Command("inspect", _inspect, _form("inspection")),
    Command("hazard", _hazard, _form("hazard")),
    Command("find", _find, BOUND, _u_words),
    Command("inspection", _inspection, BOUND, _u_inspection),
    Command("review", _review, roles_for(Action.APPROVE)),
    Command("rectify", _rectify, roles_for(Action.REPORT_RECTIFICATION)),
    Command("link", _link, roles_for(Action.LINK_NEW), _u_old_new),
    Command("office", _office, roles_for(Action.REGISTER)),
    Command("verify", _verify, OFFICE_ADMIN, _u_period),
    Command("tipoffs", _tipoffs, OFFICE_ADMIN | {Role.INSPECTOR, Role.REVIEWER},
            township=frozenset({Role.INSPECTOR, Role.REVIEWER})),
    Command("block_sender", _block, frozenset({Role.OFFICE}), _u_number),  # TipOffService.block_sender: office only
    Command("unblock_sender", _unblock, frozenset({Role.OFFICE}), _u_number),
    Command("plan", _plan, _form("plan")),
    Command("plan_file", _plan_file, frozenset({Role.REVIEWER, Role.LEADER, Role.OFFICE})),
    Command("report_info", _report_info, frozenset(SUBMITTERS)),
    Command("done", _done, frozenset(SUBMITTERS)),
    Command("submissions", _submissions, OFFICE_ADMIN | {Role.LEADER}, _u_month_kind_unit,  # InboxService.reads_all
            district=frozenset({Role.LEADER})),
    Command("status", _status, SUMMARIES, _u_unit),
    Command("rank", _rank, SUMMARIES, _u_unit),
    Command("rank_subscribe", _rank_subscribe, SUMMARIES),
    Command("rank_unsubscribe", _rank_unsubscribe, SUMMARIES),  # anyone bound may, only these can subscribe
    Command("map", _map, SUMMARIES),
    Command("export", _export, SUMMARIES, _u_export),
    Command("contacts_import", _contacts_import, OFFICE_ADMIN),
    Command("invite", _invite, OFFICE_ADMIN, _u_invite),
    Command("invites", _invites, OFFICE_ADMIN),
    Command("revoke", _revoke, OFFICE_ADMIN, _u_code),
    Command("users", _users, OFFICE_ADMIN, _u_unit),
    Command("setrole", _setrole, OFFICE_ADMIN, _u_setrole),
    Command("unsetrole", _unsetrole, OFFICE_ADMIN, _u_unsetrole),
)

BY_NAME: dict[str, Command] = {c.name: c for c in CATALOG}


def held_roles(grants: Iterable[tuple[Role, bool] | tuple[Role, bool, bool]], is_admin: bool) -> list[Held]:
    """What a person holds, as ``Command.allows`` reads it: each ``Held`` (or (role, for a township) pair) of
    their grants, the admin role when they are an admin (``Actor.is_admin``), and the public role everyone has."""
    held = [Held(Role.PUBLIC), *(Held(*g) for g in grants)]
    if is_admin:
        held.append(Held(Role.ADMIN))
    return held


def commands_for(grants: Iterable[tuple[Role, bool] | tuple[Role, bool, bool]], is_admin: bool) -> list[Command]:
    """The catalog's commands someone with ``grants`` (``held_of``, or (role, held for a township) pairs) may use,
    in order."""
    held = held_roles(grants, is_admin)
    return [c for c in CATALOG if c.allows(held)]


def help_line(command: Command, locale: str) -> str:
    """``/name USAGE — description`` in ``locale`` (plain text: the caller escapes it for HTML)."""
    usage = f" {text(command.usage).render(locale)}" if command.usage else ""
    return f"/{command.name}{usage} — {command.description().render(locale)}"


@dataclass(frozen=True)
class Person:
    """Whose menu to set: where they are reached (``address``), their language code, the commands they may use."""

    address: ChannelAddress
    language: str | None
    commands: list[Command]


async def person_now(uow: UowFactory, user_id: int, admins: Iterable[ChannelAddress]) -> Person | None:
    """User ``user_id`` (internal id) with the commands their roles allow as stored now (after a role was given
    or taken); None when there is no such user."""
    async with uow() as u:
        user = await u.session.get(User, user_id)
        if user is None:
            return None
        actor = await load_actor(u.session, user, frozenset(admins))
    return Person(actor.address, user.language, commands_for(held_of(actor.grants), actor.is_admin))
