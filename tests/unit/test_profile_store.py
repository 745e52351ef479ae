"""Stored word profiles and sentence cuts (search/profiles.py): the same value as computing
it, read back from disk by another process without cutting the text again, never served across
versions."""

from __future__ import annotations

import pytest

from indexer import text
from matchmaker.matching import explain
from matchmaker.search import analysis, profiles, relevance
from matchmaker.search.profiles import AnalysisStore, ProfileStore

TEXTS = [
    "动力电池硅碳负极材料，首次库伦效率不低于88%",
    "Porous titanium interbody cage made by 3D printing",
    "高盐废水MVR蒸发结晶零排放工艺",
]


def _no_cutting(monkeypatch) -> None:
    def refuse(value: str) -> relevance.Profile:
        raise AssertionError(f"cut again: {value}")

    monkeypatch.setattr(relevance, "profile_uncached", refuse)
    monkeypatch.setattr(analysis, "analyse_uncached", refuse)
    monkeypatch.setattr(analysis, "analyse", refuse)


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
    monkeypatch.setattr(profiles, "version", lambda codec_version: "another-dictionary")
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
    before = profiles.version("2")
    (tmp_path / "user_dict.txt").write_text("硅碳负极 10 n\n")
    monkeypatch.setattr(profiles, "DATA_DIR", tmp_path)
    profiles.version.cache_clear()
    try:
        assert profiles.version("2") != before
    finally:
        profiles.version.cache_clear()


def test_indexing_a_listing_stores_its_profile(tmp_path, session, monkeypatch) -> None:
    from matchmaker.search import indexing
    from matchmaker.search.documents import listing_text
    from tests import factories, fakes

    engine = fakes.engine(tmp_path / "index.sqlite")
    engine.profiles = ProfileStore(tmp_path / "profiles.sqlite")
    engine.analyses = AnalysisStore(tmp_path / "profiles.sqlite")
    listings = [
        factories.achievement(session, title="硅碳负极", description=TEXTS[0]),
        factories.need(session, title="Spinal cage", description=TEXTS[1]),
    ]
    indexing.build_documents(engine, listings)  # type: ignore[arg-type]
    texts = [listing_text(listing).compose() for listing in listings]
    expected = [analysis.analyse_uncached(t) for t in texts]
    _no_cutting(monkeypatch)
    stored = ProfileStore(tmp_path / "profiles.sqlite").many(texts)
    assert "负极" in stored[0].words and stored[1].english
    cuts = AnalysisStore(tmp_path / "profiles.sqlite").many(texts)
    assert cuts == expected and cuts[0].holds("负极")


def test_a_profile_reuses_the_sentence_cuts_and_equals_cutting_the_whole_text() -> None:
    value = "动力电池硅碳负极材料。首次库伦效率不低于88%！\nPorous titanium cage, 3D printed."
    cut_once = analysis.analyse(value)
    assert text.words_of(cut_once.tokens) == text.words(value)
    assert relevance.profile_uncached(value).words >= set(text.words(value))


def test_stored_sentence_cuts_explain_as_the_texts_do(tmp_path, monkeypatch) -> None:
    need = "我司生产功率模块。模块散热差，希望采用高导热陶瓷基板。预算 100 万元。"
    achievement = "本成果为氮化铝陶瓷基板。热导率达到 180，可用于功率模块散热。已完成中试。"
    path = tmp_path / "profiles.sqlite"
    AnalysisStore(path).many([need, achievement])
    _no_cutting(monkeypatch)
    # another process: its store reads the file, never cutting, and explains the same
    read_need, read_achievement = AnalysisStore(path).many([need, achievement])
    monkeypatch.undo()  # computing them here, to compare
    assert read_need.words == analysis.analyse_uncached(need).words
    assert read_need.sentences == analysis.analyse_uncached(need).sentences
    assert explain.shared_terms_of(read_need, read_achievement) == explain.shared_terms(
        need, achievement
    )
    assert "陶瓷基板" in explain.shared_terms_of(read_need, read_achievement)
    pair = explain.best_sentence_pair_of(read_need, read_achievement)
    assert pair == explain.best_sentence_pair(need, achievement) and "功率模块" in pair[1]
    # one file, two tables: clearing the profiles leaves the cuts
    ProfileStore(path).clear()
    assert AnalysisStore(path).many([need])[0].key_terms == read_need.key_terms


def test_a_term_is_found_inside_one_word_never_across_two() -> None:
    found = analysis.analyse("焊接机器人系统")
    assert found.holds("机器人") and found.holds("焊接")
    split = analysis.analyse("电池 负极")
    assert split.holds("负极") and not split.holds("池负")


def test_the_stored_texts_and_the_index_are_private_files(tmp_path) -> None:
    """The sentence cuts and the index's tokens hold listing texts, confidential ones too: like
    the database, their files are the app user's alone, whatever the umask left."""
    import os
    import stat

    import numpy as np

    from indexer.backends.base import IndexDocument
    from indexer.backends.local import LocalIndex

    store_path, index_path = tmp_path / "profiles.sqlite", tmp_path / "index.sqlite"
    for path in (store_path, index_path):
        path.touch()
        os.chmod(path, 0o644)
    AnalysisStore(store_path).many(TEXTS)
    index = LocalIndex(index_path, model_id="m", dimension=2)
    index.upsert([IndexDocument("a:1", "achievement", ["负极"], np.ones(2))])
    for path in (store_path, index_path):
        for name in (path, path.with_name(path.name + "-wal")):
            if name.exists():
                assert stat.S_IMODE(name.stat().st_mode) == 0o600, name
        assert path.exists()
