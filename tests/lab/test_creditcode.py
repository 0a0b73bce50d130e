import pytest

from lab.creditcode import check_character, is_valid, problem
from lab.demo import demo_credit_code

VALID = ["91350100M000100Y43", "91110000600037341L"]
INVALID = {
    "911100001000013530": "校验位",  # wrong check character
    "9135010OM000100Y43": "非法字符",  # letter O is not in the alphabet
    "91350100M000100Y4": "18位",  # too short
    "": "18位",
    "91350100M000100Y4S": "非法字符",
}


@pytest.mark.parametrize("code", VALID)
def test_valid_credit_codes_pass(code):
    assert problem(code) is None
    assert is_valid(code.lower())


@pytest.mark.parametrize("code,reason", INVALID.items())
def test_invalid_credit_codes_say_why(code, reason):
    assert reason in problem(code)


def test_check_character_matches_generated_demo_codes():
    for name in ("成都蓉馆数字科技有限公司", "四川察途智能交通技术有限公司"):
        code = demo_credit_code(name)
        assert code[17] == check_character(code[:17])
        assert is_valid(code)
