"""What gets indexed for a listing: one text shape for both sides of the market.

Achievements and needs are composed the same way (title, summary, key words, body, field), so
need → achievement and achievement → need compare like with like.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from indexer import text


@dataclass(frozen=True)
class ListingText:
    title: str
    summary: str = ""
    keywords: Sequence[str] = ()
    body: Sequence[str] = ()  # description, current approach, desired result …
    field_label: str = ""

    def compose(self) -> str:
        """The text that is embedded: title first (it matters most), then the rest."""
        keywords = "、".join(k for k in self.keywords if k)
        return text.join_fields([self.title, self.summary, keywords, *self.body, self.field_label])


@dataclass(frozen=True)
class PreparedText:
    text: str
    tokens: list[str]

    def fingerprint(self, model_id: str) -> str:
        digest = hashlib.sha256(f"{model_id}\n{self.text}".encode()).hexdigest()
        return digest[:32]


def prepare(listing: ListingText) -> PreparedText:
    """The embedded text and the lexical tokens (key terms are computed where they are shown,
    not on the indexing path)."""
    composed = listing.compose()
    return PreparedText(text=composed, tokens=text.lexical_tokens(composed))
