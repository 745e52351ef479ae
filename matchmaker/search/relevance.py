"""How likely a need and an achievement are really related: a probability per pair.

The rank of a pair says which candidate is best; it cannot say whether the best one is any good.
This module gives every (need, achievement) pair a probability that depends on the two texts and
their embeddings only, never on what else is in the index: adding or removing other listings
cannot change it, and both index backends give the same value.

Features (all computed from the pair alone):
- `cosine`: cosine of the two e5 embeddings;
- `coverage`: share of the need's information that the achievement's words contain: the need's
  content words (jieba with the project's user dictionary; an English need's words and phrases
  with their Chinese equivalents, indexer/bilingual.py) weighted by a fixed IDF table (jieba's,
  shipped with the package, so corpus size never enters) — BM25's idea normalised by what the
  query itself could attain, with document statistics replaced by fixed ones;
- `shared_mass`: the IDF mass of the shared words, log-scaled (a long need sharing many rare
  words is evidence even when its coverage is small);
- `cross_lingual`: 1 when one text is English and the other Chinese (cosines across languages
  run lower with the small e5 model).

A logistic model turns them into a probability; its coefficients and the band thresholds are data
(`search/data/relevance.json`), refitted from labelled pairs with scripts/fit_relevance.py.
The model was fitted on the packaged embedding model's cosines. An adapted model (issue 23)
puts its cosines lower (measured: the same right answers lost most of their probability), so
its directory carries a map of its cosines onto the packaged model's level, fitted without
labels when it is made (`COSINE_MAP_FILE`, matchmaker/adaptation/cosine_map.py); `for_model`
applies it, so a probability keeps its meaning across a model switch.
Compatibility checks and staff feedback then move the log-odds a little (capped, see `adjust`),
and never make a pair under the proposal floor proposable.
"""

from __future__ import annotations

import json
import marshal
import math
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from indexer import bilingual, text
from indexer.backends.base import cosine
from matchmaker.search import analysis

FEATURES = ("cosine", "coverage", "shared_mass", "cross_lingual")
_CACHE = 4096


@dataclass(frozen=True)
class Calibration:
    """The fitted model and the thresholds that turn its probability into bands."""

    features: tuple[str, ...]
    coefficients: tuple[float, ...]
    intercept: float
    strong: float
    medium: float
    floor: float
    # log-odds change per unit of compatibility/feedback adjustment, and its caps: a lift is
    # capped tighter (compatibility cannot create relevance) than a penalty
    adjustment_scale: float
    adjustment_cap: float
    adjustment_cap_down: float
    meta: Mapping[str, Any]
    # the embedding model's cosines mapped onto the scale the model was fitted on (for_model)
    cosine_scale: float = 1.0
    cosine_shift: float = 0.0

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Calibration:
        model = data["model"]
        features = tuple(model["features"])
        coefficients = tuple(float(model["coefficients"][f]) for f in features)
        unknown = set(features) - set(FEATURES)
        if unknown:
            raise ValueError(f"unknown relevance features: {sorted(unknown)}")
        bands = data["bands"]
        calibration = cls(
            features=features,
            coefficients=coefficients,
            intercept=float(model["intercept"]),
            strong=float(bands["strong"]),
            medium=float(bands["medium"]),
            floor=float(bands["floor"]),
            adjustment_scale=float(data["adjustment"]["scale"]),
            adjustment_cap=float(data["adjustment"]["cap"]),
            adjustment_cap_down=float(
                data["adjustment"].get("cap_down", data["adjustment"]["cap"])
            ),
            meta={k: v for k, v in data.items() if k not in ("model", "bands", "adjustment")},
        )
        if not 0 < calibration.floor <= calibration.medium <= calibration.strong < 1:
            raise ValueError("relevance bands must satisfy 0 < floor <= medium <= strong < 1")
        return calibration

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.meta,
            "model": {
                "features": list(self.features),
                "coefficients": dict(zip(self.features, self.coefficients, strict=True)),
                "intercept": self.intercept,
            },
            "bands": {"strong": self.strong, "medium": self.medium, "floor": self.floor},
            "adjustment": {
                "scale": self.adjustment_scale,
                "cap": self.adjustment_cap,
                "cap_down": self.adjustment_cap_down,
            },
        }

    def with_cosine_map(self, scale: float, shift: float) -> Calibration:
        return replace(self, cosine_scale=scale, cosine_shift=shift)

    def _value(self, name: str, features: Mapping[str, float]) -> float:
        value = float(features[name])
        return self.cosine_scale * value + self.cosine_shift if name == "cosine" else value

    def logit(self, features: Mapping[str, float]) -> float:
        return self.intercept + sum(
            c * self._value(f, features)
            for f, c in zip(self.features, self.coefficients, strict=True)
        )

    def probability(self, features: Mapping[str, float]) -> float:
        return _sigmoid(self.logit(features))


DATA_FILE = "relevance.json"


def calibration_path() -> Path:
    return Path(str(resources.files("matchmaker.search").joinpath("data", DATA_FILE)))


@lru_cache(maxsize=1)
def calibration() -> Calibration:
    """The calibration shipped with the package (search/data/relevance.json)."""
    return load(calibration_path())


def load(path: Path) -> Calibration:
    return Calibration.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))


COSINE_MAP_FILE = "relevance-cosine-map.json"


def read_cosine_map(model_dir: Path) -> tuple[float, float] | None:
    """(scale, shift) stored beside an adapted model, or None (the packaged model: identity)."""
    path = Path(model_dir) / COSINE_MAP_FILE
    if not path.is_file():
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    return float(data["scale"]), float(data["shift"])


def write_cosine_map(model_dir: Path, scale: float, shift: float, **about: Any) -> None:
    (Path(model_dir) / COSINE_MAP_FILE).write_text(
        json.dumps({"scale": scale, "shift": shift, **about}, indent=2), encoding="utf-8"
    )


def for_model(model: str) -> Calibration:
    """The calibration for vectors of `model` (a name, or an adapted model's directory): the
    shipped one, with the directory's cosine map when it has one."""
    found = read_cosine_map(Path(model)) if Path(model).is_dir() else None
    return calibration().with_cosine_map(*found) if found else calibration()


def _sigmoid(value: float) -> float:
    if value >= 0:
        return 1.0 / (1.0 + math.exp(-value))
    e = math.exp(value)
    return e / (1.0 + e)


def _logit(p: float) -> float:
    p = min(max(p, 1e-9), 1 - 1e-9)
    return math.log(p / (1 - p))


# --- text analysis -------------------------------------------------------------------------


@dataclass(frozen=True)
class Profile:
    """What a text contributes to pair features, computed once per text."""

    english: bool
    # the words a candidate text offers: its words, the dictionary words they are made of
    # (电池 in 锂电池, text.subwords) and, for an English text, their Chinese equivalents
    words: frozenset[str]
    # the text as a query: (forms, weight) per concept; any form found counts the concept
    concepts: tuple[tuple[tuple[str, ...], float], ...]

    @property
    def total(self) -> float:
        return sum(w for _, w in self.concepts)

    def to_bytes(self) -> bytes:
        # marshal reads back in a third of JSON's time (200 candidates: 4 ms against 11);
        # only this app writes the store, in its own instance directory
        fields = (self.english, tuple(sorted(self.words)), self.concepts)
        return zlib.compress(marshal.dumps(fields))

    @classmethod
    def from_bytes(cls, data: bytes) -> Profile:
        english, words, concepts = marshal.loads(zlib.decompress(data))
        return cls(english=bool(english), words=frozenset(words), concepts=concepts)


def idf(word: str) -> float:
    """Fixed IDF (jieba's table); a word it does not know counts as rare (its median)."""
    extractor = text._keyword_extractor()
    return float(extractor.idf_freq.get(word, extractor.median_idf))


def _is_term(word: str) -> bool:
    """A word worth matching: two characters or more (a single Chinese character is too
    ambiguous alone), not a stop word, not a bare number."""
    return len(word) >= 2 and not word.isdigit()


def profile_uncached(value: str) -> Profile:
    """The text's words and, as a query, its weighted concepts."""
    # the sentence cuts an explanation needs: indexing stores both, and jieba cuts once
    every = text.words_of(analysis.analyse(value).tokens)
    whole = [w for w in every if _is_term(w)]
    words = list(dict.fromkeys([*whole, *(p for w in whole for p in text.subwords(w))]))
    english = bilingual.is_english(value)
    concepts: dict[str, tuple[tuple[str, ...], float]] = {}
    if english:
        covered: set[str] = set()
        for term, chinese in bilingual.english_terms(value):
            weight = max((idf(c) for c in chinese), default=idf(term))
            concepts.setdefault(term, ((term, *chinese), weight))
            covered.update(term.split())
        for word in words:
            if word not in covered and not bilingual.is_generic(word):
                concepts.setdefault(word, ((word,), idf(word)))
    else:
        for word in words:
            concepts.setdefault(word, ((word,), idf(word)))
    # single characters too, for an English term whose only equivalent is one (enzyme → 酶)
    offered = set(words) | set(every)
    if english:
        chinese = bilingual.expand(value)
        offered.update(chinese)
        offered.update(p for c in chinese for p in text.subwords(c))
    return Profile(
        english=english,
        words=frozenset(offered),
        concepts=tuple(concepts.values()),
    )


profile = lru_cache(maxsize=_CACHE)(profile_uncached)


def shared_concepts(query: Profile, candidate: Profile) -> list[tuple[str, float]]:
    """The query's concepts the candidate contains: (the form found, weight)."""
    found: list[tuple[str, float]] = []
    words = candidate.words
    for forms, weight in query.concepts:
        # most concepts have one form: test it without a generator (200 candidates a ranking)
        if forms[0] in words:
            found.append((forms[0], weight))
            continue
        for form in forms[1:]:
            if form in words:
                found.append((form, weight))
                break
    return found


# --- features and probability --------------------------------------------------------------


def features(
    need_text: str,
    achievement_text: str,
    need_vector: np.ndarray | None,
    achievement_vector: np.ndarray | None,
) -> dict[str, float]:
    """The pair's features; the need is the query side (the same value from either side)."""
    return pair_features(
        profile(need_text), profile(achievement_text), need_vector, achievement_vector
    )


def pair_features(
    need: Profile,
    achievement: Profile,
    need_vector: np.ndarray | None,
    achievement_vector: np.ndarray | None,
) -> dict[str, float]:
    """`features` of texts already analysed (`profile`)."""
    return features_of(need, achievement, cosine(need_vector, achievement_vector))


def features_of(need: Profile, achievement: Profile, pair_cosine: float) -> dict[str, float]:
    """`pair_features` with the embeddings' cosine already known (SearchIndex.cosines)."""
    shared = shared_concepts(need, achievement)
    mass = sum(w for _, w in shared)
    total = need.total
    return {
        "cosine": pair_cosine,
        "coverage": mass / total if total else 0.0,
        "shared_mass": math.log1p(mass),
        "cross_lingual": float(need.english != achievement.english),
    }


def probability(
    need_text: str,
    achievement_text: str,
    need_vector: np.ndarray | None,
    achievement_vector: np.ndarray | None,
    model: Calibration | None = None,
) -> float:
    """P(related) for the pair, from its texts and embeddings alone."""
    pair_cosine = cosine(need_vector, achievement_vector)
    return probability_of(profile(need_text), profile(achievement_text), pair_cosine, model)


def probability_of(
    need: Profile, achievement: Profile, pair_cosine: float, model: Calibration | None = None
) -> float:
    """`probability` of texts already analysed (a ranking's candidates: search/profiles.py)
    whose embeddings' cosine is known (SearchIndex.cosines; 0 without a vector)."""
    model = model or calibration()
    return model.probability(features_of(need, achievement, pair_cosine))


def adjust(p: float, adjustment: float, model: Calibration | None = None) -> float:
    """The probability moved by compatibility and feedback (`adjustment`, in the units of
    compatibility.WEIGHTS): `scale` log-odds per unit, up by at most `cap`, down by at most
    `cap_down`."""
    model = model or calibration()
    shift = adjustment * model.adjustment_scale
    shift = max(-model.adjustment_cap_down, min(model.adjustment_cap, shift))
    return _sigmoid(_logit(p) + shift)


def between(low: float, high: float) -> float:
    """The probability halfway between two in log-odds."""
    return _sigmoid((_logit(low) + _logit(high)) / 2)


def band(p: float, model: Calibration | None = None) -> str:
    """ "high" / "medium" / "low" at or above the floor; "none" below it (not proposed)."""
    model = model or calibration()
    if p >= model.strong:
        return "high"
    if p >= model.medium:
        return "medium"
    if p >= model.floor:
        return "low"
    return "none"


def proposable(relevance: float, adjusted: float, model: Calibration | None = None) -> bool:
    """A pair is proposed only when its own relevance (before compatibility) reaches the floor
    and the adjusted probability still does."""
    model = model or calibration()
    return relevance >= model.floor and adjusted >= model.floor


def shared_words(need_text: str, achievement_text: str, limit: int = 8) -> list[str]:
    """The need's words (an English need's: or their Chinese equivalents) that the achievement
    has as whole words, rarest first: for search results and highlighting. The need may be any
    query text."""
    return shared_words_of(profile(need_text), profile(achievement_text), limit)


def shared_words_of(need: Profile, achievement: Profile, limit: int = 8) -> list[str]:
    """`shared_words` of texts already analysed."""
    found = shared_concepts(need, achievement)
    ordered = sorted(dict(found).items(), key=lambda item: (-item[1], -len(item[0])))
    kept: list[str] = []
    for word, _weight in sorted(ordered, key=lambda item: -len(item[0])):
        if not any(word in longer for longer in kept):  # 机器 once 机器人 is there
            kept.append(word)
    return [w for w, _ in ordered if w in kept][:limit]


def matrix(rows: Sequence[Mapping[str, float]], names: Sequence[str] = FEATURES) -> np.ndarray:
    """Feature rows as a matrix, for fitting (scripts/fit_relevance.py)."""
    return np.array([[float(r[n]) for n in names] for r in rows], dtype=np.float64)
