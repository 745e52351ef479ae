"""Explanations a person can check: shared key terms and the best-matching sentence pair.

Each function comes in two forms: of texts, analysed here (cached), and of analyses a caller
already holds (a ranking reads its listings' from search/profiles.py)."""

from __future__ import annotations

from indexer import text
from matchmaker.search.analysis import Analysis, analyse


def shared_terms(a_text: str, b_text: str, limit: int = 8) -> list[str]:
    return shared_terms_of(analyse(a_text), analyse(b_text), limit)


def best_sentence_pair(a_text: str, b_text: str) -> tuple[str, str] | None:
    return best_sentence_pair_of(analyse(a_text), analyse(b_text))


def shared_terms_of(a: Analysis, b: Analysis, limit: int = 8) -> list[str]:
    """Distinctive whole words of either text that the other also has: a word both texts were
    cut into, or a dictionary word inside a longer word of the other (电池 in 锂电池). Never a
    pair of characters across two words (池负), nor one of jieba's guesses for unknown text
    that only one side produced."""
    found: list[str] = []
    terms = a.key_terms + b.key_terms
    # then the dictionary words inside key terms: 负极 shared by 硅碳负极 and 负极材料
    terms += tuple(part for term in terms for part in text.subwords(term))
    for term in terms:
        if any(term in other for other in found):
            continue  # 机器 once 机器人 is shown
        if not text.is_dictionary_word(term) and not (term in a.words and term in b.words):
            continue
        if a.holds(term) and b.holds(term):
            found.append(term)
    return found[:limit]


def best_sentence_pair_of(a: Analysis, b: Analysis) -> tuple[str, str] | None:
    """The sentence of each text that shares the most words and character pairs (Jaccard)."""
    best: tuple[float, str, str] | None = None
    b_grams = [(s, g, len(g)) for s, g in b.sentences if g]
    for a_sentence, a_set in a.sentences:
        if not a_set:
            continue
        a_size = len(a_set)
        for b_sentence, b_set, b_size in b_grams:
            shared = len(a_set & b_set)  # |A ∪ B| = |A| + |B| − |A ∩ B|: no union set built
            score = shared / (a_size + b_size - shared)
            if best is None or score > best[0]:
                best = (score, a_sentence, b_sentence)
    if best is None or best[0] == 0:
        return None
    return best[1], best[2]
