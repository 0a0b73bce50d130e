"""统一社会信用代码 (unified social credit code) validation per GB 32100-2015."""

from __future__ import annotations

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # no I, O, S, V, Z
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_VALUE = {c: i for i, c in enumerate(ALPHABET)}


def check_character(first17: str) -> str:
    """The 18th character for the first 17; raises ValueError on characters outside the alphabet."""
    total = sum(_VALUE[c] * w for c, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def problem(code: str) -> str | None:
    """None if ``code`` is a valid credit code, else a Chinese sentence saying what is wrong."""
    if not isinstance(code, str) or len(code) != 18:
        return "统一社会信用代码应为18位"
    code = code.upper()
    bad = [c for c in code if c not in _VALUE]
    if bad:
        return f"统一社会信用代码含有非法字符：{''.join(dict.fromkeys(bad))}"
    if not code[8:17].isalnum():
        return "统一社会信用代码格式不正确"
    if check_character(code[:17]) != code[17]:
        return "统一社会信用代码校验位不正确"
    return None


def is_valid(code: str) -> bool:
    return problem(code) is None
