"""What an explanation needs of a text: its sentences with their words and character pairs,
all its words, and its key terms. Only the sentences and their jieba cuts are stored
(search/profiles.py); the rest is quick to derive from them."""

from __future__ import annotations

import marshal
import zlib
from dataclasses import dataclass, field
from functools import lru_cache

from indexer import text

KEY_TERMS = 20
MIN_SENTENCE_CHARS = 6
MAX_SENTENCES = 30
_CACHE = 512


@dataclass(frozen=True)
class Analysis:
    # every sentence of the text with its jieba tokens: what is stored
    cuts: tuple[tuple[str, tuple[str, ...]], ...]
    words: frozenset[str] = field(compare=False)
    # the words joined by NUL: `term in joined_words` finds a term inside any one word (and
    # never across two) in one scan instead of a loop over the words
    joined_words: str = field(compare=False)
    key_terms: tuple[str, ...] = field(compare=False)
    # the first sentences of at least MIN_SENTENCE_CHARS, with their words and char bigrams
    sentences: tuple[tuple[str, frozenset[str]], ...] = field(compare=False)

    @classmethod
    def of_cuts(cls, cuts: tuple[tuple[str, tuple[str, ...]], ...]) -> Analysis:
        # words_of works token by token, so the words of the sentences are the words of the text
        sentence_words = [frozenset(text.words_of(tokens)) for _, tokens in cuts]
        grams = [
            (sentence, words | frozenset(text.char_bigrams(sentence)))
            for (sentence, _), words in zip(cuts, sentence_words, strict=True)
            if len(sentence) >= MIN_SENTENCE_CHARS
        ]
        words = frozenset().union(*sentence_words)
        return cls(
            cuts=cuts,
            words=words,
            joined_words="\0".join(sorted(words)),
            key_terms=tuple(text.key_terms_of(_tokens(cuts), KEY_TERMS)),
            sentences=tuple(grams[:MAX_SENTENCES]),
        )

    @property
    def tokens(self) -> list[str]:
        """jieba's tokens of the whole text: the same as cutting it at once (text.cut)."""
        return _tokens(self.cuts)

    def to_bytes(self) -> bytes:
        return zlib.compress(marshal.dumps(self.cuts))

    @classmethod
    def from_bytes(cls, data: bytes) -> Analysis:
        return cls.of_cuts(marshal.loads(zlib.decompress(data)))

    def holds(self, term: str) -> bool:
        """The text has the term as a word, or a dictionary term inside one of its words (a
        compound), never across two of them."""
        if term in self.words:
            return True
        return text.is_dictionary_word(term) and term in self.joined_words


def _tokens(cuts: tuple[tuple[str, tuple[str, ...]], ...]) -> list[str]:
    return [token for _, sentence_tokens in cuts for token in sentence_tokens]


def analyse_uncached(value: str) -> Analysis:
    return Analysis.of_cuts(tuple((s, tuple(text.cut(s))) for s in text.sentences(value)))


# One ranking explains up to 20 pairs against the same source text, a batch re-match meets the
# same achievements again and again, and indexing works out a text's word profile right after
# its sentence cuts (relevance.profile_uncached): each text is analysed once.
analyse = lru_cache(maxsize=_CACHE)(analyse_uncached)
