"""Explanations a person can check: shared key terms and the best-matching sentence pair."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from indexer import text

# One ranking explains up to 20 pairs against the same source text, and a batch re-match
# meets the same achievements again and again: each text is analysed (cut by jieba) once.
_CACHE = 512
KEY_TERMS = 20
MIN_SENTENCE_CHARS = 6
MAX_SENTENCES = 30


@dataclass(frozen=True)
class _Analysis:
    lowered: str
    words: frozenset[str]
    key_terms: tuple[str, ...]
    # the first sentences of at least MIN_SENTENCE_CHARS, with their words and char bigrams
    sentences: tuple[tuple[str, frozenset[str]], ...]


@lru_cache(maxsize=_CACHE)
def _analyse(value: str) -> _Analysis:
    sentences = text.sentences(value)
    cuts = [text.cut(s) for s in sentences]
    # words_of works token by token, so the words of the sentences are the words of the text
    sentence_words = [frozenset(text.words_of(c)) for c in cuts]
    grams = [
        (s, words | frozenset(text.char_bigrams(s)))
        for s, words in zip(sentences, sentence_words, strict=True)
        if len(s) >= MIN_SENTENCE_CHARS
    ]
    words = frozenset().union(*sentence_words)
    return _Analysis(
        lowered=value.lower(),
        words=words,
        key_terms=tuple(text.key_terms_of([t for c in cuts for t in c], KEY_TERMS)),
        sentences=tuple(grams[:MAX_SENTENCES]),
    )


def _holds(analysis: _Analysis, term: str) -> bool:
    """The text has the term as a word, or a dictionary term inside one of its words (a
    compound), never across two of them."""
    if term in analysis.words:
        return True
    return text.is_dictionary_word(term) and any(term in word for word in analysis.words)


def shared_terms(a_text: str, b_text: str, limit: int = 8) -> list[str]:
    """Distinctive whole words of either text that the other also has: a word both texts were
    cut into, or a dictionary word inside a longer word of the other (电池 in 锂电池). Never a
    pair of characters across two words (池负), nor one of jieba's guesses for unknown text
    that only one side produced."""
    a, b = _analyse(a_text), _analyse(b_text)
    found: list[str] = []
    terms = a.key_terms + b.key_terms
    # then the dictionary words inside key terms: 负极 shared by 硅碳负极 and 负极材料
    terms += tuple(part for term in terms for part in text.subwords(term))
    for term in terms:
        if any(term in other for other in found):
            continue  # 机器 once 机器人 is shown
        if not text.is_dictionary_word(term) and not (term in a.words and term in b.words):
            continue
        if _holds(a, term) and _holds(b, term):
            found.append(term)
    return found[:limit]


def best_sentence_pair(a_text: str, b_text: str) -> tuple[str, str] | None:
    """The sentence of each text that shares the most words and character pairs (Jaccard)."""
    best: tuple[float, str, str] | None = None
    b_grams = [(s, g, len(g)) for s, g in _analyse(b_text).sentences if g]
    for a_sentence, a_set in _analyse(a_text).sentences:
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
