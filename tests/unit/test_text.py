from indexer import text
from indexer.documents import ListingText, prepare


def test_normalise_folds_full_width_and_whitespace() -> None:
    assert text.normalise("ＡｌＮ　陶瓷（９５％）\t\n基板\u200b") == "AlN 陶瓷(95%) 基板"
    assert text.normalise(None) == ""


def test_words_keep_technical_terms_whole_and_drop_stop_words() -> None:
    tokens = text.words("我司需要一种高导热氮化铝陶瓷基板，用于IGBT功率模块散热。")
    assert "氮化铝" in tokens
    assert "igbt" in tokens  # lower-cased
    for noise in ("我司", "需要", "一种", "，", "。"):
        assert noise not in tokens


def test_words_on_full_width_input_equal_half_width() -> None:
    assert text.words("ＳｉＣ　ＭＯＳＦＥＴ栅氧可靠性（１２００Ｖ）") == text.words(
        "SiC MOSFET栅氧可靠性(1200V)"
    )


def test_tokens_contain_only_letters_digits_and_chinese() -> None:
    for token in text.words("热导率≥180W/(m·K)，PM2.5 去除率 99.9%；C++/Python 接口"):
        assert token.isalnum(), token
        assert not token.isdigit()


def test_char_bigrams_cover_chinese_runs_only() -> None:
    assert text.char_bigrams("氮化铝 ab 基板") == ["氮化", "化铝", "基板"]


def test_key_terms_prefer_specific_words() -> None:
    terms = text.key_terms(
        "本成果为碳化硅MOSFET栅氧可靠性提升工艺。通过氮化退火处理，碳化硅器件的栅氧寿命提升一个数量级。",
        limit=5,
    )
    assert "栅氧" in terms
    assert any(t.startswith("碳化硅") for t in terms)
    assert "成果" not in terms and "通过" not in terms


def test_sentences_split_on_chinese_and_western_punctuation() -> None:
    assert text.sentences("第一句。第二句！Third one? 第四\n第五") == [
        "第一句。",
        "第二句!",
        "Third one?",
        "第四",
        "第五",
    ]


def test_mostly_chinese() -> None:
    assert text.is_mostly_chinese("高导热陶瓷基板 for IGBT")
    assert not text.is_mostly_chinese("We need a heat sink for IGBT modules")


def test_prepare_composes_title_first_and_tokenises_everything() -> None:
    prepared = prepare(
        ListingText(
            title="耐盐碱水稻新品种",
            summary="亩产 600 公斤",
            keywords=["耐盐碱", "水稻"],
            body=["适合沿海滩涂种植。"],
            field_label="现代农业",
        )
    )
    assert prepared.text.splitlines()[0] == "耐盐碱水稻新品种"
    assert "现代农业" in prepared.text
    assert {"盐碱", "水稻", "滩涂", "农业"} <= set(prepared.tokens)
    assert prepared.fingerprint("m1") != prepared.fingerprint("m2")
    assert prepared.fingerprint("m1") == prepare(
        ListingText(
            title="耐盐碱水稻新品种",
            summary="亩产 600 公斤",
            keywords=["耐盐碱", "水稻"],
            body=["适合沿海滩涂种植。"],
            field_label="现代农业",
        )
    ).fingerprint("m1")


def test_lexical_representations() -> None:
    sample = "耐盐碱水稻 for IGBT"
    try:
        assert text.lexical_tokens(sample) == ["耐盐", "盐碱", "碱水", "水稻", "igbt"]
        text.set_lexical_mode("words")
        assert "igbt" in text.lexical_tokens(sample) and "盐碱" not in text.lexical_tokens(sample)
        text.set_lexical_mode("both")
        both = text.lexical_tokens(sample)
        assert "_盐碱" in both and "igbt" in both
        assert text.lexical_version() == "lex-both-1"
    finally:
        text.set_lexical_mode("bigrams")
