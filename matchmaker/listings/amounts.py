"""Money amounts of listings: asking prices of achievements, budgets of needs, in 万元 (10k CNY).

The one bound for both (the web forms, the API that files needs through the same form, and the
OpenAPI document read it here). At most 1,000,000 万元 = 100亿元: the largest technology
transfer contracts reported in China are in the order of 10亿元, so this leaves ten times that
as headroom while refusing figures such as 500亿元 that are almost surely a typo or an amount
in 元 entered as 万元.
"""

from __future__ import annotations

import math
from decimal import Decimal

AMOUNT_MIN = 0
AMOUNT_MAX = 1_000_000  # 万元


def in_range(value: Decimal | float) -> bool:
    """Whether an amount in 万元 lies within the bounds (NaN and infinities never do)."""
    return math.isfinite(value) and AMOUNT_MIN <= value <= AMOUNT_MAX


def bounds_for_messages() -> dict[str, str]:
    """The bounds as people write them: thousands separators, no decimals."""
    return {"min": f"{AMOUNT_MIN:,}", "max": f"{AMOUNT_MAX:,}"}
