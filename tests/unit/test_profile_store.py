"""Stored word profiles (search/profiles.py): the same profile as computing it, read back from
disk by another process without cutting the text again, never served across versions."""

from __future__ import annotations

import pytest

from matchmaker.search import profiles, relevance
from matchmaker.search.profiles import ProfileStore

TEXTS = [
    "动力电池硅碳负极材料，首次库伦效率不低于88%",
    "Porous titanium interbody cage made by 3D printing",
    "高盐废水MVR蒸发结晶零排放工艺",
]


def _no_cutting(monkeypatch) -> None:
    def refuse(value: str) -> relevance.Profile:
        raise AssertionError(f"cut again: {value}")

    monkeypatch.setattr(relevance, "profile_uncached", refuse)


def test_stored_profiles_equal_computed_ones_and_are_read_back(tmp_path, monkeypatch) -> None:
    path = tmp_path / "profiles.sqlite"
    first = ProfileStore(path).many([*TEXTS, TEXTS[0]])
    assert first[:3] == [relevance.profile_uncached(t) for t in TEXTS]
    assert first[3] == first[0]
    assert "负极" in first[0].words and first[1].english
    _no_cutting(monkeypatch)
    # a new process (new store, empty memory) reads them from the file
    assert ProfileStore(path).many(list(reversed(TEXTS))) == list(reversed(first[:3]))


def test_another_version_does_not_reuse_them(tmp_path, monkeypatch) -> None:
    path = tmp_path / "profiles.sqlite"
    ProfileStore(path).many(TEXTS)
    monkeypatch.setattr(profiles, "version", lambda: "another-dictionary")
    _no_cutting(monkeypatch)
    with pytest.raises(AssertionError, match="cut again"):
        ProfileStore(path).many([TEXTS[0]])


def test_clear_forgets_them(tmp_path, monkeypatch) -> None:
    path = tmp_path / "profiles.sqlite"
    store = ProfileStore(path)
    store.many(TEXTS)
    store.clear()
    _no_cutting(monkeypatch)
    with pytest.raises(AssertionError, match="cut again"):
        ProfileStore(path).many([TEXTS[2]])


def test_the_version_follows_the_word_lists(tmp_path, monkeypatch) -> None:
    before = profiles.version()
    (tmp_path / "user_dict.txt").write_text("硅碳负极 10 n\n")
    monkeypatch.setattr(profiles, "DATA_DIR", tmp_path)
    profiles.version.cache_clear()
    try:
        assert profiles.version() != before
    finally:
        profiles.version.cache_clear()


def test_indexing_a_listing_stores_its_profile(tmp_path, session, monkeypatch) -> None:
    from matchmaker.search import indexing
    from matchmaker.search.documents import listing_text
    from tests import factories, fakes

    engine = fakes.engine(tmp_path / "index.sqlite")
    engine.profiles = ProfileStore(tmp_path / "profiles.sqlite")
    listings = [
        factories.achievement(session, title="硅碳负极", description=TEXTS[0]),
        factories.need(session, title="Spinal cage", description=TEXTS[1]),
    ]
    indexing.build_documents(engine, listings)  # type: ignore[arg-type]
    texts = [listing_text(listing).compose() for listing in listings]
    _no_cutting(monkeypatch)
    stored = ProfileStore(tmp_path / "profiles.sqlite").many(texts)
    assert "负极" in stored[0].words and stored[1].english
