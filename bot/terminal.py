"""``hazardbot chat``: the real dispatcher and handlers, driven from the terminal.

What the bot sends is printed; buttons are numbered and pressed with ``#N``. Extra commands:
``/photo PATH`` (a photo), ``/album PATH PATH…``, ``/file PATH`` (any file as a document),
``/location LAT LON``, ``/as USER_ID [NAME]`` (talk as someone else), ``/quit``. Reads standard input,
so a whole conversation can be piped in.
"""

from __future__ import annotations

import mimetypes
import re
import shlex
import sys
from pathlib import Path
from typing import Any, TextIO

from aiogram.methods import (
    AnswerCallbackQuery,
    EditMessageReplyMarkup,
    EditMessageText,
    SendDocument,
    SendLocation,
    SendMediaGroup,
    SendMessage,
    SendPhoto,
    TelegramMethod,
)
from aiogram.types import BufferedInputFile, FSInputFile, InlineKeyboardMarkup

from bot.app import build_bot, build_dispatcher
from bot.core import open_core
from bot.i18n import locale_for
from bot.local_chat import LocalChat, plain
from bot.local_session import LocalSession
from bot.middlewares import TELEGRAM_ID_LIMIT
from bot.settings import Settings
from bot.updates import UpdateFactory
from reminders.sender import DeliverAfterUpdate, Sender
from reminders.texts import Text, _, text
from storage.fsm_storage import SqlStorage


def help_words(program: str, bound: tuple[int, str] | None = None) -> str:
    """The opening lines: how to talk, the terminal's own commands, and how to bind (``program``: ``program()``)
    when nobody is bound yet; else how to talk as ``bound`` (Telegram id, name), someone already bound."""
    if bound is not None:
        return _("Local chat (no network, no token). Type text or commands to talk to the bot;\n"
                 "  #N                   press a button (e.g. #1)\n"
                 "  /photo PATH          send a photo     /album PATH PATH…   send an album\n"
                 "  /file PATH           send a file      /location LAT LON   send a location\n"
                 "  /as USER_ID [NAME]   switch user      /quit               quit\n"
                 "Send /start first. People are already bound here: talk as one of them with /as {id} "
                 "(or start with --user-id {id}), e.g. {name}").format(id=bound[0], name=bound[1])
    return _("Local chat (no network, no token). Type text or commands to talk to the bot;\n"
             "  #N                   press a button (e.g. #1)\n"
             "  /photo PATH          send a photo     /album PATH PATH…   send an album\n"
             "  /file PATH           send a file      /location LAT LON   send a location\n"
             "  /as USER_ID [NAME]   switch user      /quit               quit\n"
             "Send /start first. Binding to a unit needs an invite code: in another terminal run "
             "{program} invite --role inspector --unit 110105001").format(program=program)


def default_name() -> str:
    """The name a person new to this database gets when ``--name`` is not given, in the client's language."""
    return _("Local user")


def _no_button() -> str:
    return _("No such button; see the button numbers above (e.g. #1)")


def _no_buttons_yet() -> str:
    return _("No such button: this session has shown no buttons yet; send /resume to get back the form you were "
             "filling in")


def _unreadable(name: str) -> str:
    return _("Cannot read the file: {name}").format(name=name)


def _usage(command: str) -> str:
    usage = {"/as": _("/as USER_ID [NAME]"), "/location": _("/location LAT LON [ADDRESS]"),
             "/photo": _("/photo PATH"), "/album": _("/album PATH PATH…"), "/file": _("/file PATH")}
    return _("Usage: {usage}").format(usage=usage.get(command, _("see the lines at the start")))


def _unpaired_quote() -> str:
    return _("Unpaired quotes, e.g.: /photo \"~/photos 1.jpg\"")


def _talking_as(user_id: str, name: str) -> str:
    return _("(now talking as user {id} “{name}”)").format(id=user_id, name=name)


def program() -> str:
    """How this command was started (e.g. ``.venv/bin/hazardbot``), for a command line to copy; ``hazardbot``
    when it was started some other way (``python -m bot``, a test)."""
    started = sys.argv[0] if sys.argv else ""
    return started if Path(started).name == "hazardbot" else "hazardbot"


#: the terminal's own words around what the bot sends, in the client's language (``locale_for``)
WORDS = {
    "zh": {"bot": "机器人", "edited": "机器人（已修改）", "user": "用户{id}", "photo": "图片", "file": "文件",
           "album": "相册 {n} 张", "location": "位置", "new_buttons": "按钮已更新"},
    "en": {"bot": "bot", "edited": "bot (edited)", "user": "user {id}", "photo": "photo", "file": "file",
           "album": "album of {n}", "location": "location", "new_buttons": "buttons changed"},
}
_SAVED = re.compile(r"^(\d+)-")


class Printer:
    """Prints each Bot API call the way a phone would show it; pictures and files the bot sends are
    saved under ``save_dir`` and their paths printed, so charts, evidence copies and exports can be opened.
    Saved files are numbered on from the highest number already in ``save_dir`` (``001-status.png`` of an
    earlier session is never overwritten). ``language`` (a Telegram language code) picks ``WORDS``."""

    def __init__(self, out: TextIO, save_dir: Path | None = None, language: str = "zh") -> None:
        self.out = out
        self.save_dir = save_dir
        self.words = WORDS[locale_for(language)]
        self.counter = max((int(m[1]) for f in (save_dir.iterdir() if save_dir and save_dir.is_dir() else ())
                            if (m := _SAVED.match(f.name))), default=0)
        self.current: int | None = None
        """The user talking now; messages to anyone else (notices) are labelled with their recipient."""
        self.names: dict[int, str] = {}

    def speaker(self, user_id: int, name: str) -> None:
        """``/as``: from now on ``user_id`` (called ``name``) is talking."""
        self.current = user_id
        self.names[user_id] = name

    def _from_bot(self, method: TelegramMethod[Any], edited: bool = False) -> str:
        label = self.words["edited" if edited else "bot"]
        chat_id = getattr(method, "chat_id", None)
        if self.current is None or chat_id is None or chat_id == self.current:
            return label
        # A notice to someone else: without the recipient it would read as an answer to the current user.
        name = self.names.get(chat_id, self.words["user"].format(id=chat_id)) if isinstance(chat_id, int) else str(chat_id)
        return f"{label} → {name}（{chat_id}）"

    def __call__(self, method: TelegramMethod[Any]) -> None:
        """Print ``method`` (a message, edit, picture, file, album or location the bot sends) as a phone would
        show it."""
        if isinstance(method, SendMessage | EditMessageText):
            prefix = self._from_bot(method, edited=isinstance(method, EditMessageText))
            self._print(f"\n[{prefix}] {plain(method.text or '')}")
            self._buttons(method.reply_markup)
        elif isinstance(method, SendPhoto | SendDocument):
            caption = plain(method.caption or "")
            media = method.photo if isinstance(method, SendPhoto) else method.document
            kind = self.words["photo" if isinstance(method, SendPhoto) else "file"]
            self._print(f"\n[{self._from_bot(method)}] [{kind} {self._save(media)}] {caption}")
            self._buttons(method.reply_markup)
        elif isinstance(method, SendMediaGroup):
            paths = [self._save(item.media) for item in method.media]
            caption = next((plain(item.caption) for item in method.media if item.caption), "")
            self._print(f"\n[{self._from_bot(method)}] [{self.words['album'].format(n=len(paths))}] {caption}")
            for path in paths:
                self._print(f"  {path}")
        elif isinstance(method, SendLocation):
            w = self.words["location"]
            self._print(f"\n[{self._from_bot(method)}] [{w} {method.latitude:.5f}, {method.longitude:.5f}]")
        elif isinstance(method, AnswerCallbackQuery) and method.text:
            self._print(f"  » {method.text}")
        elif isinstance(method, EditMessageReplyMarkup) and isinstance(method.reply_markup, InlineKeyboardMarkup) \
                and method.reply_markup.inline_keyboard:
            # a sub-menu (转交's townships, 不属实's reasons) replaces the buttons under the message: a phone shows
            # them in place, the terminal prints them (a keyboard only taken away prints nothing)
            self._print(f"\n[{self._from_bot(method, edited=True)}] {self.words['new_buttons']}")
            self._buttons(method.reply_markup)

    def _save(self, media: Any) -> str:
        if isinstance(media, BufferedInputFile):
            data = media.data
        elif isinstance(media, FSInputFile):
            data = Path(media.path).read_bytes()
        else:
            return str(getattr(media, "filename", None) or media)
        if self.save_dir is None:
            return str(media.filename)
        self.counter += 1
        self.save_dir.mkdir(parents=True, exist_ok=True)
        path = self.save_dir / f"{self.counter:03d}-{Path(media.filename or 'file').name}"
        path.write_bytes(data)
        return str(path)

    def _buttons(self, markup: Any) -> None:
        if not isinstance(markup, InlineKeyboardMarkup):
            return
        number = 0
        for row in markup.inline_keyboard:
            cells = []
            for button in row:
                number += 1
                cells.append(f"[#{number} {button.text}]")
            self._print("  " + "  ".join(cells))

    def _print(self, text: str) -> None:
        print(text, file=self.out, flush=True)


async def run_chat(settings: Settings, user_id: int, name: str | None, language: str, stdin: TextIO = sys.stdin,
                   out: TextIO = sys.stdout) -> int:
    """Run the terminal conversation until end of input or ``/quit``. ``name`` None: the name this database
    already has for ``user_id`` (each update stores the name it carries), else ``default_name``."""
    printer = Printer(out, settings.data_dir / "chat-received", language)
    session = LocalSession(on_request=printer)
    interactive = stdin.isatty()
    locale = locale_for(language)  # the terminal's own words follow the client's language, as the bot's do
    async with open_core(settings) as core:
        printer.names.update(await _known_names(core.uow))
        name = name or printer.names.get(user_id) or text(default_name).render(locale)
        bot = build_bot(settings, session)
        dp = build_dispatcher(core, SqlStorage(core.engine))  # a half-answered input survives /quit
        factory = UpdateFactory()
        # the notices an update queued (to whoever they are for) are printed right after its answer
        sender = Sender(bot, core.uow, core.reminders, core.clock.tz, core.clock, notices_only=True)
        chat = LocalChat(dp, bot, session, factory, UpdateFactory.user(user_id, name, language),
                         after_update=DeliverAfterUpdate(sender, core.engine))
        printer.speaker(user_id, name)
        print(text(help_words, program(), await _someone_bound(core.uow)).render(locale), file=out, flush=True)
        while True:
            if interactive:
                print("\n> ", end="", file=out, flush=True)
            line = stdin.readline()
            if not line:
                break
            line = line.strip()
            if not line:
                continue
            if not interactive:
                print(f"\n> {line}", file=out, flush=True)
            try:
                if not await _dispatch(chat, line, out, printer, language=language, uow=core.uow):
                    break
            except (LookupError, OSError, ValueError) as exc:
                print(f"  ! {_mistake(line, exc, bool(chat.buttons())).render(locale)}", file=out, flush=True)
        await bot.session.close()
    return 0


async def _known_names(uow: Any, limit: int = 20_000) -> dict[int, str]:
    """The names of the people this database knows (Telegram id → name), so that a notice to someone met in an
    earlier session is labelled with their name, not only their id."""
    from sqlmodel import select

    from storage.models import User

    async with uow() as u:
        rows = (await u.session.exec(
            select(User.address, User.full_name).where(User.channel == "telegram").limit(limit))).all()
    return {int(address): name for address, name in rows if address.isdigit() and name}


async def _someone_bound(uow: Any) -> tuple[int, str] | None:
    """A person holding a role here (Telegram id, name), the first bound; None when nobody is bound yet."""
    from sqlmodel import col, select

    from storage.models import Membership, User

    async with uow() as u:
        row = (await u.session.exec(
            select(User.address, User.full_name).join(Membership, col(Membership.user_id) == col(User.id))
            .where(User.channel == "telegram").order_by(col(Membership.id)).limit(1))).first()
    return (int(row[0]), row[1]) if row is not None and row[0].isdigit() else None


async def _stored_name(uow: Any, user_id: int) -> str | None:
    """The name this database has for Telegram user ``user_id`` (met in any session, any terminal), or None."""
    from sqlmodel import select

    from storage.models import User

    async with uow() as u:
        return (await u.session.exec(
            select(User.full_name).where(User.channel == "telegram", User.address == str(user_id)))).first() or None


def _mistake(line: str, exc: Exception, buttons: bool = True) -> Text:
    """What went wrong with a line the terminal itself handles (a button number, a file, a user id);
    ``buttons``: whether this session has shown any buttons yet (after a restart it has none)."""
    if isinstance(exc, LookupError):
        return text(_no_button if buttons else _no_buttons_yet)
    if isinstance(exc, OSError):
        return text(_unreadable, exc.filename or line)
    return text(_usage, line.split(maxsplit=1)[0])


# commands the terminal handles itself (files, location, who is talking); everything else goes to the bot
LOCAL_COMMANDS = ("/photo", "/album", "/file", "/location", "/as")


async def _dispatch(chat: LocalChat, line: str, out: TextIO, printer: Printer, language: str,
                    uow: Any = None) -> bool:
    if line in ("/quit", "/exit"):
        return False
    if line.startswith("#") and line[1:].isdigit():
        await chat.press(int(line[1:]))
        return True
    command = line.split(maxsplit=1)[0] if line.strip() else line
    args: list[str] = []
    if command in LOCAL_COMMANDS:  # only the terminal's own commands take quoted paths; "/find O'Brien" goes as typed
        try:
            args = shlex.split(line)[1:]
        except ValueError:
            print(f"  ! {text(_unpaired_quote).render(locale_for(language))}", file=out, flush=True)
            return True
    if command == "/photo" and args:
        await chat.photo(Path(args[0]).expanduser())
    elif command == "/album" and args:
        await chat.album([Path(a).expanduser() for a in args])
    elif command == "/file" and args:
        path = Path(args[0]).expanduser()
        await chat.file(path, path.name, mimetypes.guess_type(path.name)[0])
    elif command in LOCAL_COMMANDS and command != "/as" and len(args) < (2 if command == "/location" else 1):
        raise ValueError(line)  # "/photo" alone, "/location 1": the usage line, not the bot's "unknown command"
    elif command == "/location" and len(args) >= 2:
        await chat.location(float(args[0]), float(args[1]), " ".join(args[2:]) or None)
    elif command == "/as" and args:
        user_id = int(args[0])
        if not 0 < user_id < TELEGRAM_ID_LIMIT or not args[0].isascii():  # the bot ignores ids Telegram cannot have
            raise ValueError(args[0])
        # "/as 20001" goes back to someone met before under the name they have, which it must not overwrite
        name = " ".join(args[1:]) or printer.names.get(user_id) or (
            await _stored_name(uow, user_id) if uow is not None else None) or printer.words["user"].format(id=user_id)
        chat.user = UpdateFactory.user(user_id, name, language)
        printer.speaker(user_id, name)
        print(f"  {text(_talking_as, args[0], name).render(locale_for(language))}", file=out, flush=True)
    elif command == "/as":
        raise ValueError(line)  # "/as" alone: the usage line, not the bot's "unknown command"
    else:
        await chat.say(line)
    return True
