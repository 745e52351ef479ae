import threading

import numpy as np

from indexer.backends.local import LocalIndex
from tests.index_contract import DIM, IndexContract, doc, unit


class TestLocalIndex(IndexContract):
    def make_index(self, model_id: str = "test-model", dimension: int = DIM):
        self.path = self.tmp / "index" / "local.sqlite"
        return LocalIndex(self.path, model_id=model_id, dimension=dimension)

    def reopen(self, index, model_id, dimension):
        return LocalIndex(index.path, model_id=model_id, dimension=dimension)

    def setup_method(self, method) -> None:
        import tempfile
        from pathlib import Path

        self._tmp = tempfile.TemporaryDirectory()
        self.tmp = Path(self._tmp.name)

    def teardown_method(self, method) -> None:
        self._tmp.cleanup()


def test_a_second_process_view_sees_writes(tmp_path) -> None:
    """The web process keeps its own LocalIndex object while a worker writes through another."""
    path = tmp_path / "shared.sqlite"
    reader = LocalIndex(path, "m", DIM)
    writer = LocalIndex(path, "m", DIM)
    assert reader.knn(unit(1, 0, 0, 0), 3) == []
    writer.upsert([doc("a:1", "氮化铝", unit(1, 0, 0, 0))])
    assert [h.id for h in reader.knn(unit(1, 0, 0, 0), 3)] == ["a:1"]
    writer.rebuild([doc("a:2", "碳化硅", unit(0, 1, 0, 0))])
    assert [h.id for h in reader.knn(unit(1, 0, 0, 0), 3)] == ["a:2"]
    assert [h.id for h in reader.lexical(["碳化硅"], 3)] == ["a:2"]


def test_reads_during_writes_never_fail(tmp_path) -> None:
    path = tmp_path / "busy.sqlite"
    index = LocalIndex(path, "m", DIM)
    index.upsert([doc("seed", "种子", unit(1, 0, 0, 0))])
    errors: list[BaseException] = []

    def write() -> None:
        try:
            writer = LocalIndex(path, "m", DIM)
            for i in range(200):
                writer.upsert([doc(f"w:{i}", f"词{i} 导热", unit(1, i % 3, 0, 1))])
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=write)
    thread.start()
    reads = 0
    while thread.is_alive():
        assert index.knn(unit(1, 0, 0, 0), 5)
        index.lexical(["导热"], 5)
        reads += 1
    thread.join()
    assert errors == []
    assert reads > 0
    assert index.count() == 201
    assert np.isclose(index.knn(unit(1, 0, 0, 0), 1)[0].score, 1.0, atol=1e-5)


def test_long_queries_keep_their_rarest_terms(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr("indexer.backends.local.MAX_QUERY_TERMS", 2)
    monkeypatch.setattr("indexer.backends.local.MIN_QUERY_TERMS", 1)
    monkeypatch.setattr("indexer.backends.local.MAX_QUERY_POSTINGS", 100.0)
    index = LocalIndex(tmp_path / "cap.sqlite", "m", DIM)
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


def test_past_the_first_terms_common_ones_are_left_out(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr("indexer.backends.local.MIN_QUERY_TERMS", 1)
    monkeypatch.setattr("indexer.backends.local.MAX_QUERY_POSTINGS", 0.5)
    index = LocalIndex(tmp_path / "budget.sqlite", "m", DIM)
    index.upsert(
        [doc(f"c:{i}", "常见", unit(1, 0, 0, 0)) for i in range(6)]
        + [doc("r:1", "常见 稀有", unit(0, 1, 0, 0)), doc("r:2", "稀有", unit(0, 0, 1, 0))]
    )
    assert sorted(h.id for h in index.lexical(["常见", "稀有"], 10)) == ["r:1", "r:2"]
    assert len(index.lexical(["常见"], 10)) == 7  # the first term is always sent


def test_a_listing_matched_against_the_others_does_not_count_itself(tmp_path, monkeypatch) -> None:
    """Terms only the listing itself holds would look rarest and fill every slot."""
    monkeypatch.setattr("indexer.backends.local.MAX_QUERY_TERMS", 4)
    monkeypatch.setattr("indexer.backends.local.MIN_QUERY_TERMS", 1)
    own = [f"独有{i}" for i in range(6)]
    index = LocalIndex(tmp_path / "self.sqlite", "m", DIM)
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
