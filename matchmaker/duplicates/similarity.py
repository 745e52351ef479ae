"""How alike two listing texts are: shared character n-grams plus embedding similarity.

Pure functions (no database), so scripts/evaluate_duplicates.py measures exactly what the site
uses. Character 3-grams catch copies with light edits whatever jieba makes of them; the dense
part catches rewordings that share few n-grams. The threshold was chosen with that script
(README, "Near-duplicate detection").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from indexer import text

NGRAM = 3
# e5 puts any two texts on one topic at a cosine of ~0.8–0.9; only the range above counts
DENSE_FLOOR = 0.88
DENSE_CEILING = 0.98
LEXICAL_WEIGHT = 0.6
THRESHOLD = 0.50

_KEEP = re.compile(r"[^0-9a-z\u3400-\u9fff]+")


@lru_cache(maxsize=4096)
def shingles(value: str) -> frozenset[str]:
    """Character n-grams of the text's letters, digits and Chinese characters."""
    clean = _KEEP.sub("", text.normalise(value).lower())
    if len(clean) <= NGRAM:
        return frozenset([clean]) if clean else frozenset()
    return frozenset(clean[i : i + NGRAM] for i in range(len(clean) - NGRAM + 1))


def lexical_similarity(a: str, b: str) -> float:
    """Mean of Jaccard and containment of the n-gram sets: containment keeps a copy with a
    paragraph cut or added close to its original, Jaccard keeps a short text from matching
    every long text that contains it."""
    sa_, sb = shingles(a), shingles(b)
    if not sa_ or not sb:
        return 0.0
    shared = len(sa_ & sb)
    jaccard = shared / len(sa_ | sb)
    containment = shared / min(len(sa_), len(sb))
    return (jaccard + containment) / 2


def dense_part(cosine: float) -> float:
    return float(np.clip((cosine - DENSE_FLOOR) / (DENSE_CEILING - DENSE_FLOOR), 0.0, 1.0))


@dataclass(frozen=True)
class Similarity:
    lexical: float
    dense: float | None  # cosine, when vectors were available

    @property
    def score(self) -> float:
        if self.dense is None:
            return self.lexical
        return LEXICAL_WEIGHT * self.lexical + (1 - LEXICAL_WEIGHT) * dense_part(self.dense)

    def is_duplicate(self, threshold: float = THRESHOLD) -> bool:
        return self.score >= threshold


def compare(
    a: str, b: str, vector_a: np.ndarray | None = None, vector_b: np.ndarray | None = None
) -> Similarity:
    cosine = None
    if vector_a is not None and vector_b is not None:
        norm = float(np.linalg.norm(vector_a) * np.linalg.norm(vector_b)) or 1.0
        cosine = float(np.dot(vector_a, vector_b) / norm)
    return Similarity(lexical=lexical_similarity(a, b), dense=cosine)
