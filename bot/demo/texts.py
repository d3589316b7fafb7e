"""The words of the demo district (``hazardbot demo``): people's names, and per hazard category and subtype of
``config/hazard_types.toml`` the sites, the industry departments (方案 三 牵头单位) and what an inspector would
write — a description with the measures that fix it (``config/data/demo-hazards.toml``); per township its streets
and per functional zone its townships (``config/data/demo-places.toml``). Invented, plausible, and the same for a
given seed (every choice is made by the caller's ``random.Random``)."""

from __future__ import annotations

import random
import tomllib
from dataclasses import dataclass
from importlib import resources
from typing import Any

SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何林高罗郑梁谢宋唐许韩冯邓曹彭曾萧田董潘袁蔡蒋余于杜叶程魏苏吕丁任沈姚卢"
GIVEN = ("伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "涛", "明", "超", "秀英", "霞",
         "平", "刚", "建华", "志强", "海燕", "国庆", "春梅", "晓东", "红梅", "文博", "子涵", "宇航")
SUFFIXES = ("号", "号院", "号楼底商", "号院内")
ENTITY_NATURES = ("个人", "民营企业", "民营企业", "民营企业", "市属国有企业", "区属机关企事业单位", "其他")
# company words only: a place name here would put a site in the wrong township
SITE_WORDS = ("朝晖", "和平", "华联", "东方", "星河", "金都", "翠城", "光明", "新世纪", "阳光", "富力", "恒通", "鑫源",
              "万和", "宏达", "安泰", "嘉禾", "永顺", "瑞丰", "德信")
ILLEGAL_WORDS = ("违建", "违法建设", "彩钢板", "自建", "临时建筑")  # a site or case of an illegal building
UNFILLED_SHARE = 0.1  # hazards whose recorder left 所属区行业部门 empty (the statistics show them as —)


def _data(name: str) -> dict[str, Any]:
    return tomllib.loads((resources.files("config") / "data" / name).read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Kind:
    """One subtype of a category (``subtype`` None: the category has none, 其他) as the demo writes it:
    ``departments`` its lead industry departments (方案 三), ``city`` district branches of city bodies sharing the
    work, site templates, and ``cases``: (description, the measures fixing it)."""

    category: str
    subtype: str | None
    weight: float  # the category's weight shared among its subtypes
    departments: tuple[str, ...]
    city: tuple[str, ...]
    sites: tuple[str, ...]
    cases: tuple[tuple[str, str], ...]


def _kinds() -> tuple[Kind, ...]:
    kinds = []
    for category, table in _data("demo-hazards.toml").items():
        subs = {k: v for k, v in table.items() if isinstance(v, dict)} or ({None: table} if "sites" in table else {})
        shares = sum(t.get("weight", 1) for t in subs.values())
        for subtype, t in subs.items():
            weight = table["weight"] * t.get("weight", 1) / shares
            kinds.append(Kind(category, subtype, weight, tuple(t["departments"]),
                              tuple(t.get("city", ())), tuple(t["sites"]), tuple((d, m) for d, m in t["cases"])))
    return tuple(k for k in kinds if k.weight > 0)


KINDS = _kinds()
_PLACES = _data("demo-places.toml")
#: township code → its streets; zone code (``zone-NN``) → the township codes it lies across
STREETS: dict[str, tuple[str, ...]] = {code: tuple(s) for code, s in _PLACES["streets"].items()}
ZONE_TOWNSHIPS: dict[str, tuple[str, ...]] = {code: tuple(t) for code, t in _PLACES["zones"].items()}


def kind(rng: random.Random, of_department: str | None = None) -> Kind:
    """A subtype, weighted as an urban district's hazards are; ``of_department``: only of that department's
    industry (所属区 or 市行业部门), when it has one."""
    among = [k for k in KINDS if of_department in k.departments + k.city] if of_department else []
    among = among or list(KINDS)
    return rng.choices(among, [k.weight for k in among])[0]


def departments(rng: random.Random, k: Kind, recorder: str | None) -> tuple[str | None, str | None]:
    """The hazard's 所属区行业部门 and 所属市行业部门 (附件2 填表说明 8, 9): the recording department itself when
    ``k`` is of its industry, else one of the kind's lead departments (left empty on a few hazards); a city
    body's branch on about half of those that have one."""
    district: str | None = recorder if recorder in k.departments else rng.choice(k.departments)
    if recorder not in k.departments and rng.random() < UNFILLED_SHARE:
        district = None
    cities = [c for c in k.city if c != district]
    city = recorder if recorder in cities else (rng.choice(cities) if cities and rng.random() < 0.5 else None)
    return district, city


def tipoff(description: str, township: str, address: str, lat: float, lon: float) -> dict[str, Any]:
    """The answers of the ``tipoff`` form a member of the public gives about a case ``description`` at ``address``
    (in ``township``, pin at ``lat``/``lon``): no photos, anonymous."""
    return {"description": f"群众反映：{description}，希望尽快处理。", "photos": [],
            "place": {"address": address, "lat": lat, "lon": lon}, "township": township, "contact": None}


def _ruled_page() -> bytes:
    """A valid one-page A4 PDF of a ruled form (about 1.5 KB): the file of the demo's acceptance documents (整改验收单)
    and of some work information, kept in the file store like one a unit sends."""
    rules = "".join(f"50 {y} 495 0.6 re\n" for y in range(90, 790, 20)) + "f\n"
    objects = [b"<</Type/Catalog/Pages 2 0 R>>", b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
               b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Contents 4 0 R>>",
               f"<</Length {len(rules)}>>stream\n{rules}endstream".encode()]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for n, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{n} 0 obj".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer<</Size {len(objects) + 1}/Root 1 0 R>>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


ONE_PAGE_PDF = _ruled_page()


def person_name(rng: random.Random) -> str:
    """A random Chinese name (surname and given name)."""
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def place(rng: random.Random, township_code: str, township: str, template: str | None = None) -> tuple[str, str]:
    """A site name from ``template`` (None: no name, only the address) and its address in the township
    ``township_code`` named ``township``: in the template ``{s}`` is a company word, ``{n}`` a number (the
    address's house number too), ``{l}`` a subway line, ``{st}``/``{st2}`` two streets of the township (the
    address is on the first)."""
    first, second = rng.sample(STREETS[township_code], 2)
    number = rng.randint(1, 200)
    name = "" if template is None else template.format(s=rng.choice(SITE_WORDS), n=number, l=rng.randint(1, 17),
                                                       st=first, st2=second)
    return name, f"北京市朝阳区{township}{first}{number}{rng.choice(SUFFIXES)}"
