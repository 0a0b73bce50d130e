"""Path ids, bounded at the edge.

Starlette's ``{name:int}`` accepts any run of digits and converts it with ``int()``, so
``/api/demands/9223372036854775808`` reached the database and overflowed its column (a 500; on
PostgreSQL already at 2**31). Importing this module replaces the ``int`` convertor for every route
compiled afterwards with :class:`IdConvertor`, whose pattern only matches 1 to 2**31 - 1 written in
ASCII digits (what an ``IntField`` primary key holds on both databases): anything else does not
match the route, so the answer is the usual 404. ``lab.openapi`` (which every API route uses) and
``lab.app`` import it, so routes of every package get it just by writing ``{thing_id:int}``.
"""

from __future__ import annotations

from starlette.convertors import Convertor, register_url_convertor

ID_MAX = 2**31 - 1


def bounded_digits(maximum: int) -> str:
    """A regular expression matching the decimal numbers 1..``maximum`` (leading zeros allowed)."""
    digits = str(maximum)
    alternatives = [f"[1-9][0-9]{{0,{len(digits) - 2}}}"] if len(digits) > 1 else []
    for i, d in enumerate(digits):
        low = 1 if i == 0 else 0
        if int(d) > low:
            alternatives.append(f"{digits[:i]}[{low}-{int(d) - 1}][0-9]{{{len(digits) - i - 1}}}")
    alternatives.append(digits)
    return "0*(?:" + "|".join(alternatives) + ")"


class IdConvertor(Convertor[int]):
    regex = bounded_digits(ID_MAX)

    def convert(self, value: str) -> int:
        return int(value)

    def to_string(self, value: int) -> str:
        value = int(value)
        if not 1 <= value <= ID_MAX:
            raise ValueError("id out of range")
        return str(value)


def install() -> None:
    """Make ``{name:int}`` the bounded id convertor (idempotent)."""
    register_url_convertor("int", IdConvertor())


install()
