"""The words of the demo district (``hazardbot demo``): people's names, sites, streets and, per hazard category of
``config/hazard_types.toml``, what an inspector would write — description and rectification measures (those in
``config/data/demo-hazards.toml``). Invented, plausible, and the same for a given seed (every choice is made by
the caller's ``random.Random``)."""

from __future__ import annotations

import random
import tomllib
from importlib import resources
from typing import Any

SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何林高罗郑梁谢宋唐许韩冯邓曹彭曾萧田董潘袁蔡蒋余于杜叶程魏苏吕丁任沈姚卢"
GIVEN = ("伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "涛", "明", "超", "秀英", "霞",
         "平", "刚", "建华", "志强", "海燕", "国庆", "春梅", "晓东", "红梅", "文博", "子涵", "宇航")
STREETS = ("朝阳路", "建国路", "东三环中路", "光华路", "工体北路", "三里屯路", "酒仙桥路", "望京街", "北苑路", "广渠路",
           "十里堡路", "姚家园路", "东坝中路", "来广营西路", "安立路", "双桥路", "小营路", "惠新东街", "芍药居北里",
           "百子湾路", "垡头西路", "管庄路", "定福庄东街", "高碑店路", "南磨房路")
SUFFIXES = ("号", "号院", "号楼底商", "号院内")
ENTITY_NATURES = ("个人", "民营企业", "民营企业", "民营企业", "市属国有企业", "区属机关企事业单位", "其他")
CITY_DEPARTMENTS = ("市应急管理局", "市住房城乡建设委", "市消防救援总队", "市市场监管局", "市交通委", "市城市管理委")
SITE_WORDS = ("朝晖", "和平", "华联", "东方", "星河", "金台", "望京", "翠城", "南湖", "光明", "新世纪", "阳光", "富力",
              "恒通", "京客隆", "双井", "国贸", "悠唐", "鑫源", "万和")

# category → how often it turns up (weight), its site kinds, descriptions and measures; subtypes come from the
# taxonomy file
_CATEGORIES: dict[str, dict[str, Any]] = tomllib.loads(
    (resources.files("config") / "data" / "demo-hazards.toml").read_text(encoding="utf-8"))
BY_CATEGORY: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    name: (tuple(c["sites"]), tuple(c["descriptions"]), tuple(c["measures"]))
    for name, c in _CATEGORIES.items() if "sites" in c
}
CATEGORY_WEIGHTS: dict[str, int] = {name: c["weight"] for name, c in _CATEGORIES.items()}


def person_name(rng: random.Random) -> str:
    """A random Chinese name (surname and given name)."""
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def street(rng: random.Random) -> str:
    """A random street name of the district."""
    return rng.choice(STREETS)


def fill(template: str, rng: random.Random) -> str:
    """A site name from ``template``: ``{s}`` a company word, ``{n}`` a number, ``{l}`` a subway line,
    ``{st}``/``{st2}`` streets."""
    first = street(rng)
    second = rng.choice([s for s in STREETS if s != first])
    return template.format(s=rng.choice(SITE_WORDS), n=rng.randint(1, 60), l=rng.randint(1, 17), st=first, st2=second)


def address(rng: random.Random, township: str) -> str:
    """A random address in ``township``: 北京市朝阳区, the township, a street, a number and a suffix."""
    return f"北京市朝阳区{township}{street(rng)}{rng.randint(1, 300)}{rng.choice(SUFFIXES)}"
