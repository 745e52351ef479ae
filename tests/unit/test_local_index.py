import functools
import threading

import numpy as np

from indexer.backends.local import LocalIndex
from tests.concurrency import at_once
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


def _open_and_query(path) -> None:
    LocalIndex(path, "m", DIM).knn(unit(1, 0, 0, 0), 1)


def test_views_opening_a_new_index_at_once_agree(tmp_path) -> None:
    """A web request and a worker thread may be the first to open an index at the same moment
    (CI met 'UNIQUE constraint failed: meta.key' on 2026-12-05, and 'database is locked' from
    the switch to WAL is the same race one step earlier)."""
    for round_ in range(15):
        path = tmp_path / f"new-{round_}.sqlite"
        first_query = functools.partial(_open_and_query, path)
        assert at_once(6, first_query) == []
        assert LocalIndex(path, "m", DIM).count() == 0
