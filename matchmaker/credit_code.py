"""统一社会信用代码 (Unified Social Credit Code, GB 32100-2015) validation.

Layout: 1 registration authority · 1 organisation type · 6 administrative division ·
9 organisation code (GB 11714, with its own check character) · 1 check character.
"""

from __future__ import annotations

import unicodedata

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # 31 characters: no I, O, S, V, Z
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
ORG_CODE_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
ORG_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


class CreditCodeError(ValueError):
    """Raised with a machine-readable `reason` the web layer translates."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def normalise(code: str) -> str:
    """Upper-case, half-width, without spaces or hyphens people paste in."""
    code = unicodedata.normalize("NFKC", code or "")
    return "".join(ch for ch in code.upper() if not ch.isspace() and ch != "-")


def check_character(first17: str) -> str:
    total = sum(ALPHABET.index(ch) * w for ch, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def org_code_check_character(first8: str) -> str:
    total = sum(
        ORG_CODE_ALPHABET.index(ch) * w for ch, w in zip(first8, ORG_CODE_WEIGHTS, strict=True)
    )
    value = 11 - total % 11
    return {10: "X", 11: "0"}.get(value, str(value))


def validate(code: str) -> str:
    """Return the normalised code, or raise CreditCodeError(reason)."""
    code = normalise(code)
    if len(code) != 18:
        raise CreditCodeError("length")
    if any(ch not in ALPHABET for ch in code):
        raise CreditCodeError("characters")
    if not code[2:8].isdigit():
        raise CreditCodeError("division")
    org_code = code[8:17]
    if org_code_check_character(org_code[:8]) != org_code[8]:
        raise CreditCodeError("org_check")
    if check_character(code[:17]) != code[17]:
        raise CreditCodeError("check")
    return code


def is_valid(code: str) -> bool:
    try:
        validate(code)
    except CreditCodeError:
        return False
    return True


def complete(prefix17_without_org_check: str) -> str:
    """Build a valid code from the first 16 characters (used for demo data and tests)."""
    head = normalise(prefix17_without_org_check)
    if len(head) != 16:
        raise ValueError("need 16 characters")
    with_org = head + org_code_check_character(head[8:16])
    return with_org + check_character(with_org)
