"""Character-level differences between two texts, for showing them side by side."""

from __future__ import annotations

from difflib import SequenceMatcher

MAX_CHARS = 6000  # quadratic in the worst case: long texts are compared on their beginning

Segment = tuple[bool, str]  # (differs, text)


def side_by_side(a: str, b: str) -> tuple[list[Segment], list[Segment]]:
    """Both texts cut into runs, each marked as shared with the other text or not."""
    a, b = a[:MAX_CHARS], b[:MAX_CHARS]
    left: list[Segment] = []
    right: list[Segment] = []
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    for op, a0, a1, b0, b1 in matcher.get_opcodes():
        same = op == "equal"
        if a1 > a0:
            left.append((not same, a[a0:a1]))
        if b1 > b0:
            right.append((not same, b[b0:b1]))
    return left, right
