import pytest

from matchmaker import credit_code
from matchmaker.credit_code import CreditCodeError

# Published codes of well-known organisations (public registry data).
KNOWN_VALID = ["91350100M000100Y43", "91110000600037341L", "9144030071526726XG"]


@pytest.mark.parametrize("code", KNOWN_VALID)
def test_known_codes_are_valid(code: str) -> None:
    assert credit_code.validate(code) == code


def test_normalises_what_people_paste() -> None:
    pasted = " ９１３５０１００ｍ０００１００ｙ４３ "  # full-width, lower case, spaces
    assert credit_code.validate(pasted) == "91350100M000100Y43"
    assert credit_code.validate("913501-00M000100Y43") == "91350100M000100Y43"


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("91350100M000100Y4", "length"),
        ("91350100M000100Y433", "length"),
        ("91350100M000100I43", "characters"),  # I is not in the alphabet
        ("9135010OM000100Y43", "characters"),
        ("913501A0M000100Y43", "division"),
        ("91350100M000100Y44", "check"),  # last character changed
        ("91350100M000101Y43", "org_check"),  # organisation code altered
        ("", "length"),
    ],
)
def test_invalid_codes_give_a_reason(code: str, reason: str) -> None:
    with pytest.raises(CreditCodeError) as info:
        credit_code.validate(code)
    assert info.value.reason == reason
    assert not credit_code.is_valid(code)


def test_every_single_character_typo_in_the_check_is_caught() -> None:
    code = KNOWN_VALID[0]
    for wrong in credit_code.ALPHABET:
        if wrong != code[-1]:
            assert not credit_code.is_valid(code[:-1] + wrong)


def test_complete_builds_valid_codes() -> None:
    built = credit_code.complete("9132010012345678")
    assert len(built) == 18
    assert credit_code.is_valid(built)
    assert built.startswith("9132010012345678")
