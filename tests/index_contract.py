"""One behaviour suite for every SearchIndex backend; each backend subclasses it once.

Subclasses provide `make_index(model_id, dimension)` (a fresh, empty index).
"""

from __future__ import annotations

import numpy as np
import pytest

from indexer.backends import IndexDocument, IndexModelMismatch, SearchIndex

DIM = 4


def unit(*values: float) -> np.ndarray:
    v = np.asarray(values, dtype=np.float32)
    return v / np.linalg.norm(v)


def doc(
    doc_id: str, tokens: str, vector: np.ndarray, kind: str = "achievement", **filters
) -> IndexDocument:
    return IndexDocument(
        id=doc_id,
        kind=kind,
        tokens=tokens.split(),
        vector=vector,
        filters={"kind": kind, **filters},
        fingerprint=f"fp-{doc_id}-{tokens}",
    )


CORPUS = [
    doc(
        "a:1",
        "氮化铝 陶瓷 基板 导热",
        unit(1, 0, 0, 0),
        field="new_materials",
        region="江苏省",
        modes=["transfer", "license"],
        trl=6,
    ),
    doc(
        "a:2",
        "碳化硅 功率 器件 栅氧 导热",
        unit(0.9, 0.1, 0, 0),
        field="integrated_circuits",
        region="上海市",
        modes=["joint_development"],
        trl=4,
    ),
    doc(
        "a:3",
        "耐盐碱 水稻 品种 育种",
        unit(0, 1, 0, 0),
        field="modern_agriculture",
        region="江苏省",
        modes=["license"],
        trl=8,
    ),
    doc(
        "n:1",
        "散热 基板 国产化 导热",
        unit(0.8, 0, 0.2, 0),
        kind="need",
        field="new_materials",
        region="广东省",
        modes=["transfer"],
    ),
    doc(
        "n:2",
        "盐碱地 水稻 增产",
        unit(0, 0.9, 0, 0.1),
        kind="need",
        field="modern_agriculture",
        region="江苏省",
        modes=["technical_service"],
    ),
]


class IndexContract:
    def make_index(self, model_id: str = "test-model", dimension: int = DIM) -> SearchIndex:
        raise NotImplementedError

    @pytest.fixture
    def index(self) -> SearchIndex:
        return self.make_index()

    @pytest.fixture
    def filled(self, index: SearchIndex) -> SearchIndex:
        index.upsert(CORPUS)
        return index

    def test_empty_index_answers_with_nothing(self, index) -> None:
        assert index.count() == 0
        assert index.knn(unit(1, 0, 0, 0), 5) == []
        assert index.lexical(["导热"], 5) == []
        assert index.fingerprints() == {}
        assert index.get(["a:1"]) == {}

    def test_upsert_then_get_round_trips(self, filled) -> None:
        assert filled.count() == len(CORPUS)
        got = filled.get(["a:1", "n:2", "missing"])
        assert set(got) == {"a:1", "n:2"}
        assert got["a:1"].tokens == ["氮化铝", "陶瓷", "基板", "导热"]
        assert got["a:1"].filters["modes"] == ["transfer", "license"]
        assert got["a:1"].filters["trl"] == 6
        assert got["a:1"].kind == "achievement"
        np.testing.assert_allclose(got["a:1"].vector, unit(1, 0, 0, 0), atol=1e-6)
        assert filled.fingerprints()["n:2"] == CORPUS[4].fingerprint

    def test_cosines_of_stored_documents(self, filled) -> None:
        query = unit(1, 0, 0, 0)
        got = filled.cosines(query, ["a:1", "a:2", "missing"])
        assert set(got) == {"a:1", "a:2"}
        stored = filled.get(["a:1", "a:2"])
        for key, value in got.items():
            assert value == pytest.approx(float(stored[key].vector @ query), abs=1e-5)
        assert got["a:1"] == pytest.approx(1.0, abs=1e-6) and got["a:2"] < 0.999
        assert filled.cosines(query, []) == {}
        # a cosine, whatever the query's length; a document written since is seen
        assert filled.cosines(query * 3.0, ["a:2"])["a:2"] == pytest.approx(got["a:2"], abs=1e-6)
        filled.upsert([doc("a:9", "新增", unit(0, 1, 0, 0))])
        assert filled.cosines(query, ["a:9"])["a:9"] == pytest.approx(0.0, abs=1e-6)

    def test_vectors_brought_with_hits_are_the_stored_ones(self, filled) -> None:
        query = unit(1, 0, 0, 0)
        hits = filled.knn(query, 3) + filled.lexical(["导热"], 3)
        stored = filled.get([h.id for h in hits])
        known = {h.id: h.vector for h in hits if h.vector is not None}
        for key, vector in known.items():
            np.testing.assert_allclose(vector, stored[key].vector, atol=1e-6)
        # what the caller holds is used as it is, the rest read: the same cosines either way
        ids = sorted({h.id for h in hits} | {"n:2", "missing"})
        assert filled.cosines(query, ids, known) == pytest.approx(filled.cosines(query, ids))

    def test_knn_returns_nearest_first_with_cosine_based_scores(self, filled) -> None:
        hits = filled.knn(unit(1, 0, 0, 0), 3)
        assert [h.id for h in hits] == ["a:1", "a:2", "n:1"]
        assert hits[0].score == pytest.approx(1.0, abs=1e-4)
        expected = (1 + float(unit(0.9, 0.1, 0, 0) @ unit(1, 0, 0, 0))) / 2
        assert hits[1].score == pytest.approx(expected, abs=1e-4)
        assert hits[0].score >= hits[1].score >= hits[2].score

    def test_lexical_ranks_by_bm25_and_skips_non_matching(self, filled) -> None:
        hits = filled.lexical(["氮化铝", "导热"], 10)
        ids = [h.id for h in hits]
        assert ids[0] == "a:1"  # the only document with the rare term
        assert set(ids) == {"a:1", "a:2", "n:1"}
        assert all(h.score > 0 for h in hits)
        assert filled.lexical(["不存在的词"], 10) == []

    def test_repeated_query_terms_count_once(self, filled) -> None:
        once = filled.lexical(["水稻"], 10)
        twice = filled.lexical(["水稻", "水稻"], 10)
        assert [(h.id, round(h.score, 5)) for h in once] == [
            (h.id, round(h.score, 5)) for h in twice
        ]

    def test_scalar_list_and_exclude_filters(self, filled) -> None:
        query = unit(1, 1, 0, 0)
        assert {h.id for h in filled.knn(query, 10, filters={"kind": "need"})} == {"n:1", "n:2"}
        assert {h.id for h in filled.knn(query, 10, filters={"region": ["江苏省", "上海市"]})} == {
            "a:1",
            "a:2",
            "a:3",
            "n:2",
        }
        # a list-valued field matches when any of its values matches
        assert {h.id for h in filled.knn(query, 10, filters={"modes": "license"})} == {"a:1", "a:3"}
        assert {
            h.id
            for h in filled.lexical(
                ["导热", "水稻"],
                10,
                filters={"kind": "achievement"},
                exclude={"field": "integrated_circuits"},
            )
        } == {"a:1", "a:3"}
        assert {h.id for h in filled.knn(query, 10, filters={"kind": "achievement", "trl": 8})} == {
            "a:3"
        }
        assert filled.knn(query, 10, filters={"region": "西藏自治区"}) == []

    def test_documents_without_a_filter_field_are_not_excluded(self, filled) -> None:
        hits = filled.knn(unit(1, 1, 0, 0), 10, exclude={"trl": 6})
        assert {h.id for h in hits} == {"a:2", "a:3", "n:1", "n:2"}

    def test_upsert_replaces_a_document(self, filled) -> None:
        filled.upsert([doc("a:1", "锂电池 正极", unit(0, 0, 0, 1), field="new_energy")])
        assert filled.count() == len(CORPUS)
        assert "a:1" not in {h.id for h in filled.lexical(["氮化铝"], 10)}
        assert filled.lexical(["正极"], 10)[0].id == "a:1"
        assert filled.knn(unit(0, 0, 0, 1), 1)[0].id == "a:1"
        assert filled.get(["a:1"])["a:1"].filters["field"] == "new_energy"

    def test_delete_removes_everywhere_and_ignores_missing(self, filled) -> None:
        filled.delete(["a:1", "does-not-exist"])
        assert filled.count() == len(CORPUS) - 1
        assert "a:1" not in {h.id for h in filled.knn(unit(1, 0, 0, 0), 10)}
        assert "a:1" not in {h.id for h in filled.lexical(["氮化铝", "导热"], 10)}
        assert "a:1" not in filled.fingerprints()

    def test_rebuild_replaces_everything(self, filled) -> None:
        written = filled.rebuild(
            iter([CORPUS[2], doc("a:9", "新 文档", unit(0, 0, 1, 0))]), batch_size=1
        )
        assert written == 2
        assert filled.count() == 2
        assert set(filled.fingerprints()) == {"a:3", "a:9"}
        assert filled.lexical(["文档"], 5)[0].id == "a:9"
        assert filled.knn(unit(0, 0, 1, 0), 1)[0].id == "a:9"
        filled.upsert([CORPUS[0]])  # still writable after the swap
        assert filled.count() == 3

    def test_unicode_and_awkward_tokens(self, index) -> None:
        index.upsert([doc("x:1", 'pm2 co2 3d打印 "quoted" naïve 🚀', unit(1, 0, 0, 0))])
        for token in ["3d打印", '"quoted"', "naïve", "co2"]:
            assert [h.id for h in index.lexical([token], 5)] == ["x:1"], token

    def test_wrong_vector_shape_is_refused(self, index) -> None:
        with pytest.raises(IndexModelMismatch):
            index.upsert([doc("bad", "x", np.ones(DIM + 1, dtype=np.float32))])
        with pytest.raises(IndexModelMismatch):
            index.knn(np.ones(DIM + 2, dtype=np.float32), 3)

    def test_bad_filter_names_are_refused(self, filled) -> None:
        with pytest.raises(ValueError):
            filled.knn(unit(1, 0, 0, 0), 3, filters={"kind') OR 1=1 --": "x"})

    def test_index_remembers_its_model(self, filled) -> None:
        with pytest.raises(IndexModelMismatch):
            self.reopen(filled, model_id="another-model", dimension=DIM).count()
        assert self.reopen(filled, model_id="test-model", dimension=DIM).count() == len(CORPUS)

    def reopen(self, index: SearchIndex, model_id: str, dimension: int) -> SearchIndex:
        raise NotImplementedError

    def test_a_mismatched_index_can_be_rebuilt_with_the_new_model(self, filled) -> None:
        newer = self.reopen(filled, model_id="another-model", dimension=DIM)
        assert newer.rebuild([doc("a:5", "新 模型", unit(0, 0, 1, 0))]) == 1
        assert newer.count() == 1
        with pytest.raises(IndexModelMismatch):
            self.reopen(filled, model_id="test-model", dimension=DIM).count()

    def test_long_queries_keep_their_rarest_terms(self, index, monkeypatch) -> None:
        monkeypatch.setattr("indexer.backends.base.MAX_QUERY_TERMS", 2)
        monkeypatch.setattr("indexer.backends.base.MIN_QUERY_TERMS", 1)
        monkeypatch.setattr("indexer.backends.base.MAX_QUERY_POSTINGS", 100.0)
        index.upsert(
            [doc(f"c:{i}", "常见 普通", unit(1, 0, 0, 0)) for i in range(5)]
            + [
                doc("r:1", "常见 稀有 罕见", unit(0, 1, 0, 0)),
                doc("r:2", "普通 罕见", unit(0, 0, 1, 0)),
                doc("r:3", "稀有", unit(0, 0, 0, 1)),
            ]
        )
        hits = index.lexical(["常见", "普通", "稀有", "罕见", "没有的词"], 10)
        assert sorted(h.id for h in hits) == ["r:1", "r:2", "r:3"]
        assert index.lexical(["没有", "的", "词"], 10) == []

    def test_past_the_first_terms_common_ones_are_left_out(self, index, monkeypatch) -> None:
        monkeypatch.setattr("indexer.backends.base.MIN_QUERY_TERMS", 1)
        monkeypatch.setattr("indexer.backends.base.MAX_QUERY_POSTINGS", 0.5)
        index.upsert(
            [doc(f"c:{i}", "常见", unit(1, 0, 0, 0)) for i in range(6)]
            + [doc("r:1", "常见 稀有", unit(0, 1, 0, 0)), doc("r:2", "稀有", unit(0, 0, 1, 0))]
        )
        assert sorted(h.id for h in index.lexical(["常见", "稀有"], 10)) == ["r:1", "r:2"]
        assert len(index.lexical(["常见"], 10)) == 7  # the first term is always sent

    def test_a_listing_matched_against_the_others_does_not_count_itself(
        self, index, monkeypatch
    ) -> None:
        """Terms only the listing itself holds would look rarest and fill every slot."""
        monkeypatch.setattr("indexer.backends.base.MAX_QUERY_TERMS", 4)
        monkeypatch.setattr("indexer.backends.base.MIN_QUERY_TERMS", 1)
        own = [f"独有{i}" for i in range(6)]
        index.upsert(
            [doc("need:1", " ".join([*own, "氮化铝", "导热"]), unit(1, 0, 0, 0), kind="need")]
            + [doc("achievement:1", "氮化铝 导热 基板", unit(0, 1, 0, 0))]
            + [doc(f"achievement:{i}", "无关 内容", unit(0, 0, 1, 0)) for i in range(2, 6)]
        )
        query = [*own, "氮化铝", "导热"]
        wanted = {"kind": "achievement"}
        assert index.lexical(query, 10, filters=wanted) == []
        hits = index.lexical(query, 10, filters=wanted, query_is_indexed=True)
        assert [h.id for h in hits] == ["achievement:1"]
