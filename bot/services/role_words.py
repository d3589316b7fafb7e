"""A role as people type it — in /invite, /setrole, /unsetrole and the CLI's ``invite --role``: the code
(``inspector``) or the Chinese name the bot itself shows (``bot.labels.ROLES`` as translated in
``bot/locales/zh``: 检查人员, 单位审核人, 工作人员（安委办）, 主管领导, 联系人员, 管理员) and its short forms."""

from __future__ import annotations

from bot.domain import Role

# the Chinese names the bot shows first (the usage texts list them), then the forms people shorten them to
_WORDS: dict[Role, tuple[str, ...]] = {
    Role.INSPECTOR: ("检查人员", "检查员", "检查人", "检查"),
    Role.REVIEWER: ("单位审核人", "审核人", "审核员", "单位审核", "审核"),
    Role.OFFICE: ("安委办", "工作人员（安委办）", "安委办工作人员", "安委办人员", "区安委办", "工作人员"),
    Role.LEADER: ("主管领导", "领导"),
    Role.CONTACT: ("联系人", "联系人员"),
    Role.ADMIN: ("管理员", "管理"),
}
#: what a role may be called when typed: the full-width brackets and spaces of a pasted name do not count
_BY_WORD = {w.replace("（", "").replace("）", ""): role for role, words in _WORDS.items() for w in words} \
    | {role.value: role for role in _WORDS}


def parse_role(text: str) -> Role | None:
    """The role ``text`` names (``"检查人员"``, ``"检查"``, ``"Inspector"``, ``"工作人员(安委办)"``…), or None
    for anything else — the public role included, which nobody is given."""
    key = "".join(text.split()).lower()
    for bracket in "（）()":
        key = key.replace(bracket, "")
    return _BY_WORD.get(key)


def role_words() -> str:
    """The roles as a usage text lists them: each Chinese name with its code, ``检查人员(inspector)、…``."""
    return "、".join(f"{words[0]}({role.value})" for role, words in _WORDS.items())
