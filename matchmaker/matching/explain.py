"""Explanations a person can check: shared key terms and the best-matching sentence pair."""

from __future__ import annotations

from indexer import text


def _grams(sentence: str) -> set[str]:
    return set(text.words(sentence)) | set(text.char_bigrams(sentence))


def shared_terms(a_text: str, b_text: str, limit: int = 8) -> list[str]:
    """Distinctive terms of either text that also occur in the other."""
    a_tokens, b_tokens = set(text.words(a_text)), set(text.words(b_text))
    candidates = text.key_terms(a_text, 20) + text.key_terms(b_text, 20)
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
    a_sentences = [s for s in text.sentences(a_text) if len(s) >= 6][:30]
    b_sentences = [s for s in text.sentences(b_text) if len(s) >= 6][:30]
    best: tuple[float, str, str] | None = None
    b_grams = [(s, _grams(s)) for s in b_sentences]
    for a_sentence in a_sentences:
        a_set = _grams(a_sentence)
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
