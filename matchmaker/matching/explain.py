"""Explanations a person can check: shared key terms and the best-matching sentence pair."""

from __future__ import annotations

from functools import lru_cache

from indexer import text

# One ranking explains up to 20 pairs against the same source text; these caches keep the
# source side from being tokenised again for every pair.
_CACHE = 128


@lru_cache(maxsize=_CACHE)
def _word_set(value: str) -> frozenset[str]:
    return frozenset(text.words(value))


@lru_cache(maxsize=_CACHE)
def _key_terms(value: str) -> tuple[str, ...]:
    return tuple(text.key_terms(value, 20))


@lru_cache(maxsize=_CACHE)
def _sentence_grams(value: str) -> tuple[tuple[str, frozenset[str]], ...]:
    sentences = [s for s in text.sentences(value) if len(s) >= 6][:30]
    return tuple((s, _grams(s)) for s in sentences)


def _grams(sentence: str) -> frozenset[str]:
    return frozenset(text.words(sentence)) | frozenset(text.char_bigrams(sentence))


def shared_terms(a_text: str, b_text: str, limit: int = 8) -> list[str]:
    """Distinctive terms of either text that also occur in the other."""
    a_tokens, b_tokens = _word_set(a_text), _word_set(b_text)
    candidates = _key_terms(a_text) + _key_terms(b_text)
    found: list[str] = []
    for term in candidates:
        if term in found:
            continue
        if (term in a_tokens or term in a_text.lower()) and (
            term in b_tokens or term in b_text.lower()
        ):
            found.append(term)
    return found[:limit]


def best_sentence_pair(a_text: str, b_text: str) -> tuple[str, str] | None:
    """The sentence of each text that shares the most words and character pairs (Jaccard)."""
    best: tuple[float, str, str] | None = None
    b_grams = _sentence_grams(b_text)
    for a_sentence, a_set in _sentence_grams(a_text):
        if not a_set:
            continue
        for b_sentence, b_set in b_grams:
            if not b_set:
                continue
            score = len(a_set & b_set) / len(a_set | b_set)
            if best is None or score > best[0]:
                best = (score, a_sentence, b_sentence)
    if best is None or best[0] == 0:
        return None
    return best[1], best[2]
