"""Chinese-first text preparation: normalisation, tokens for the lexical index, key terms.

jieba cuts Chinese into words, helped by a user dictionary of technical terms shipped in
`indexer/data/`. Everything here is deterministic and shared by both index backends, so
lexical scores do not depend on which search engine analyses the text.
"""

from __future__ import annotations

import math
import re
import threading
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING

import jieba

if TYPE_CHECKING:
    import jieba.analyse

_WHITESPACE = re.compile(r"\s+")
_CONTROL = re.compile(r"[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\u200b-\u200f\ufeff]")
_NON_WORD = re.compile(r"[^0-9a-z\u3400-\u9fff]+")
_HAS_WORD_CHAR = re.compile(r"[0-9a-z\u3400-\u9fff]")
_CJK = re.compile(r"[\u3400-\u9fff]")
_CJK_RUN = re.compile(r"[\u3400-\u9fff]+")
_SENTENCE_END = re.compile(r"(?<=[。！？!?；;])|\n+")

_lock = threading.Lock()


# a ranking composes the texts of ~200 candidates, most of them met again and again
@lru_cache(maxsize=4096)
def normalise(text: str | None) -> str:
    """NFKC (full-width letters, digits and punctuation become half-width), no control
    characters, single spaces."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", text)
    text = _CONTROL.sub("", text)
    return _WHITESPACE.sub(" ", text).strip()


def _data_path(name: str) -> str:
    return str(resources.files("indexer").joinpath("data", name))


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    lines = resources.files("indexer").joinpath("data", "stopwords.txt").read_text("utf-8")
    return frozenset(
        line.strip().lower()
        for line in lines.splitlines()
        if line.strip() and not line.startswith("#")
    )


@lru_cache(maxsize=1)
def _tokenizer() -> jieba.Tokenizer:
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    tokenizer.load_userdict(_data_path("user_dict.txt"))
    return tokenizer


def _is_content(token: str) -> bool:
    return bool(_HAS_WORD_CHAR.search(token)) and token not in stopwords() and not token.isdigit()


def cut(text: str | None) -> list[str]:
    """jieba's raw tokens of the normalised, lower-cased text (punctuation and spaces too).
    jieba cuts each run of letters and digits on its own, so the cuts of a text's sentences
    joined are the cut of the whole text: `words_of` and `key_terms_of` accept either."""
    clean = normalise(text).lower()
    if not clean:
        return []
    with _lock:  # jieba's tokenizer is not safe to initialise from two threads at once
        return _tokenizer().lcut(clean)


def is_dictionary_word(word: str) -> bool:
    """A word of jieba's dictionary or the project's user dictionary, or a run of Latin letters
    and digits (an English word, a model number): never a fragment such as 池负 or 器人 that only
    character pairs or jieba's guesses for unknown text produce."""
    if not word:
        return False
    if not _CJK.search(word):
        return bool(_HAS_WORD_CHAR.search(word))
    return bool(_tokenizer().FREQ.get(word))


@lru_cache(maxsize=8192)
def subwords(word: str) -> tuple[str, ...]:
    """The words of two characters or more that a longer Chinese word is made of, by the most
    probable split of it into dictionary words other than itself (jieba's dictionary
    frequencies): 硅碳负极 → 负极, 焊接机器人 → 焊接, 机器人; never a dictionary word that
    straddles two parts (接机 in 焊接机器人)."""
    if len(word) <= 2 or not _CJK.fullmatch(word[0]) or not _CJK_RUN.fullmatch(word):
        return ()
    tokenizer = _tokenizer()
    log_total = math.log(tokenizer.total)
    n = len(word)
    # best[i] = (log-probability of the best split of word[i:], end of its first piece)
    best: list[tuple[float, int]] = [(0.0, n)] * (n + 1)
    for i in range(n - 1, -1, -1):
        options = []
        for j in range(i + 1, n + 1):
            if i == 0 and j == n:
                continue
            count = tokenizer.FREQ.get(word[i:j]) or (1 if j == i + 1 else 0)
            if count:
                options.append((math.log(count) - log_total + best[j][0], j))
        best[i] = max(options)
    pieces, i = [], 0
    while i < n:
        j = best[i][1]
        pieces.append(word[i:j])
        i = j
    return tuple(p for p in pieces if len(p) >= 2 and _is_content(p))


def words_of(tokens: Iterable[str]) -> list[str]:
    """The content words among tokens from `cut`."""
    # Only letters, digits and CJK survive inside a token, so every backend sees the same terms.
    parts = (p for token in tokens for p in _NON_WORD.split(token))
    return [p for p in parts if p and _is_content(p)]


def words(text: str | None) -> list[str]:
    """Content words in order (lower-cased; stop words, punctuation and bare numbers dropped)."""
    return words_of(cut(text))


def char_bigrams(text: str | None) -> list[str]:
    """Overlapping pairs of Chinese characters: robust to words jieba cuts differently."""
    clean = normalise(text).lower()
    grams: list[str] = []
    for run in _CJK_RUN.findall(clean):
        if len(run) == 1:
            continue
        grams.extend(run[i : i + 2] for i in range(len(run) - 1))
    return grams


LEXICAL_MODES = ("words", "bigrams", "both")
# chosen by measurement (README "Matching quality"): character bigrams beat jieba words and the
# union of both for BM25 on both evaluation sets
_lexical_mode = "bigrams"


def lexical_version() -> str:
    """Names the token representation: an index built with another one must be rebuilt."""
    return f"lex-{_lexical_mode}-1"


def set_lexical_mode(mode: str) -> None:
    """For experiments (scripts/evaluate.py --tokens); the product keeps the measured default."""
    global _lexical_mode
    if mode not in LEXICAL_MODES:
        raise ValueError(mode)
    _lexical_mode = mode


def lexical_tokens(text: str | None) -> list[str]:
    """What the lexical index stores and queries. The representation was chosen by measurement
    (scripts/evaluate.py --tokens; numbers in README)."""
    if _lexical_mode == "bigrams":
        return char_bigrams(text) + [w for w in words(text) if not _CJK.search(w)]
    if _lexical_mode == "both":
        return words(text) + ["_" + g for g in char_bigrams(text)]
    return words(text)


def key_terms(text: str | None, limit: int = 10) -> list[str]:
    """The most distinctive terms (jieba's TF-IDF with our dictionary and stop words), for
    display, highlighting and explanations."""
    return key_terms_of(cut(text), limit)


def key_terms_of(tokens: Iterable[str], limit: int = 10) -> list[str]:
    """`key_terms` of tokens from `cut`: jieba's TF-IDF ranking (TFIDF.extract_tags, same
    arithmetic and tie order) without cutting the text again."""
    extractor = _keyword_extractor()
    counts: dict[str, float] = {}
    for token in tokens:
        if len(token.strip()) < 2 or token.lower() in extractor.stop_words:
            continue
        counts[token] = counts.get(token, 0.0) + 1.0
    total = sum(counts.values())
    weights = {
        term: count * (extractor.idf_freq.get(term, extractor.median_idf) / total)
        for term, count in counts.items()
    }
    ranked = sorted(weights, key=weights.__getitem__, reverse=True)[: limit * 2]
    return [t for t in ranked if _is_content(t)][:limit]


@lru_cache(maxsize=1)
def _keyword_extractor() -> jieba.analyse.TFIDF:
    # imported here: jieba.analyse loads part-of-speech tables (~100 MB) at import, which the
    # worker's main process, forking its pool from itself, never needs
    import jieba.analyse

    extractor = jieba.analyse.TFIDF()
    extractor.tokenizer = _tokenizer()
    extractor.stop_words = set(extractor.stop_words) | set(stopwords())
    return extractor


def sentences(text: str | None) -> list[str]:
    """Split into sentences on Chinese and Western end punctuation and line breaks."""
    if not text:
        return []
    text = unicodedata.normalize("NFKC", text)
    parts = (p.strip() for p in _SENTENCE_END.split(text))
    return [p for p in parts if p and _HAS_WORD_CHAR.search(p.lower())]


def is_mostly_chinese(text: str | None) -> bool:
    clean = normalise(text)
    letters = [ch for ch in clean if ch.isalpha()]
    return bool(letters) and sum(1 for ch in letters if _CJK.match(ch)) / len(letters) >= 0.3


def join_fields(parts: Iterable[str | None]) -> str:
    """Join non-empty parts into one text, each part a sentence of its own."""
    cleaned = [normalise(p) for p in parts if p and normalise(p)]
    return "\n".join(cleaned)
