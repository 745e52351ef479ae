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


def _answers(index: LocalIndex) -> list[object]:
    """What searches see: nearest documents with and without filters, and filtered BM25."""
    probes = [unit(1, 0, 0, 0), unit(0, 1, 0, 0), unit(0.3, 0.3, 0.3, 0.1)]
    answers: list[object] = []
    for vector in probes:
        answers.append([(h.id, round(h.score, 6)) for h in index.knn(vector, 50)])
        answers.append([h.id for h in index.knn(vector, 50, filters={"kind": "need"})])
        answers.append(
            [
                h.id
                for h in index.knn(vector, 50, filters={"modes": ["license"]}, exclude={"trl": 3})
            ]
        )
    answers.append(
        [h.id for h in index.lexical(["导热", "水稻"], 50, filters={"region": "江苏省"})]
    )
    answers.append([h.id for h in index.lexical(["导热"], 50, exclude={"kind": "need"})])
    answers.append(index.cosines(unit(1, 0, 0, 0), [f"a:{i}" for i in range(40)]))
    return answers


def test_a_loaded_view_catches_up_with_only_the_rows_that_changed(tmp_path, monkeypatch) -> None:
    """After its first load a process reads only what other processes wrote since, and then
    answers exactly as a process opening the index fresh."""
    path = tmp_path / "shared.sqlite"
    rng = np.random.default_rng(3)
    writer = LocalIndex(path, "m", DIM)

    def some_doc(number: int) -> object:
        kind = "need" if number % 3 == 0 else "achievement"
        return doc(
            f"a:{number}",
            " ".join(rng.choice(["导热", "水稻", "基板", "陶瓷"], size=2)),
            unit(*rng.standard_normal(DIM)),
            kind=kind,
            region=str(rng.choice(["江苏省", "上海市"])),
            modes=list(rng.choice(["license", "transfer"], size=int(rng.integers(0, 3)))),
            trl=int(rng.integers(1, 5)),
        )

    writer.upsert([some_doc(i) for i in range(30)])
    reader = LocalIndex(path, "m", DIM)
    assert _answers(reader)  # loaded whole, once
    whole_loads = []
    original = LocalIndex._load_whole
    monkeypatch.setattr(
        LocalIndex, "_load_whole", lambda self, conn: whole_loads.append(1) or original(self, conn)
    )
    for step in range(12):
        writer.upsert([some_doc(int(n)) for n in rng.integers(0, 45, size=3)])  # new and updated
        if step % 3 == 2:
            writer.delete([f"a:{int(n)}" for n in rng.integers(0, 45, size=2)])
        assert _answers(reader) == _answers(LocalIndex(path, "m", DIM))
    # the fresh views loaded whole (one each); the long-lived reader never did
    assert len(whole_loads) == 12


def test_a_query_keeps_its_view_while_rows_change(tmp_path) -> None:
    path = tmp_path / "shared.sqlite"
    index = LocalIndex(path, "m", DIM)
    index.upsert([doc("a:1", "导热", unit(1, 0, 0, 0)), doc("a:2", "水稻", unit(0, 1, 0, 0))])
    before = index._load_matrix()
    LocalIndex(path, "m", DIM).upsert([doc("a:3", "陶瓷", unit(1, 0.1, 0, 0))])
    LocalIndex(path, "m", DIM).delete(["a:1"])
    after = index._load_matrix()
    assert before.count == 2 and before.alive.tolist() == [True, True]
    assert [
        before.ids[r] for r in np.flatnonzero(before.allowed({"kind": "achievement"}, None))
    ] == [
        "a:1",
        "a:2",
    ]
    assert [after.ids[r] for r in np.flatnonzero(after.allowed({"kind": "achievement"}, None))] == [
        "a:2",
        "a:3",
    ]


def test_an_index_written_before_rows_had_generations_is_upgraded_in_place(tmp_path) -> None:
    import sqlite3

    path = tmp_path / "old.sqlite"
    LocalIndex(path, "m", DIM).upsert([doc("a:1", "导热", unit(1, 0, 0, 0))])
    conn = sqlite3.connect(path)
    conn.execute("DROP INDEX docs_generation")  # as the old schema wrote it
    conn.execute("ALTER TABLE docs DROP COLUMN generation")
    conn.execute("DROP TABLE removed")
    conn.commit()
    conn.close()
    reader = LocalIndex(path, "m", DIM)
    assert [h.id for h in reader.knn(unit(1, 0, 0, 0), 5)] == ["a:1"]
    writer = LocalIndex(path, "m", DIM)
    writer.upsert([doc("a:2", "水稻", unit(0.9, 0.1, 0, 0))])
    writer.delete(["a:1"])
    assert [h.id for h in reader.knn(unit(1, 0, 0, 0), 5)] == ["a:2"]


def test_a_rowid_given_again_after_a_removal_does_not_confuse_filters(tmp_path) -> None:
    """SQLite hands the largest rowid out again once its row is gone."""
    path = tmp_path / "shared.sqlite"
    reader = LocalIndex(path, "m", DIM)
    writer = LocalIndex(path, "m", DIM)
    writer.upsert([doc(f"a:{i}", "导热", unit(1, i, 0, 0), region="江苏省") for i in range(5)])
    assert len(reader.lexical(["导热"], 10, filters={"region": "江苏省"})) == 5
    writer.delete(["a:4"])
    writer.upsert([doc("a:9", "导热", unit(1, 0, 1, 0), region="上海市")])
    assert sorted(h.id for h in reader.lexical(["导热"], 10, filters={"region": "上海市"})) == [
        "a:9"
    ]
    assert len(reader.lexical(["导热"], 10, exclude={"region": "上海市"})) == 4
    assert {h.id for h in reader.knn(unit(1, 0, 1, 0), 10)} == {f"a:{i}" for i in range(4)} | {
        "a:9"
    }


def test_many_removals_make_the_next_catch_up_a_whole_load(tmp_path) -> None:
    path = tmp_path / "shared.sqlite"
    reader = LocalIndex(path, "m", DIM)
    writer = LocalIndex(path, "m", DIM)
    writer.upsert([doc(f"a:{i}", "导热", unit(1, i % 7, 0, 0)) for i in range(300)])
    reader.knn(unit(1, 0, 0, 0), 1)
    writer.delete([f"a:{i}" for i in range(100)])
    assert len(reader.knn(unit(1, 0, 0, 0), 500)) == 200
    store = reader._matrix.store
    assert store is not None and store.needs_compacting
    writer.upsert([doc("a:1000", "导热", unit(0, 1, 0, 0))])
    assert len(reader.knn(unit(1, 0, 0, 0), 500)) == 201
    assert reader._matrix.store is not store and reader._matrix.store.dead == 0


def test_a_rebuilt_file_is_loaded_whole_even_where_its_inode_was_seen_before(
    tmp_path, monkeypatch
) -> None:
    """The file system may give a rebuilt file the inode an earlier one had: the copy in
    memory must not take the new file's rows for changes to its own (what the new file
    left out would stay)."""
    path = tmp_path / "shared.sqlite"
    monkeypatch.setattr(
        LocalIndex,
        "_cache_key",
        lambda self, conn: (
            1,
            int(conn.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()[0]),
        ),
    )
    reader = LocalIndex(path, "m", DIM)
    writer = LocalIndex(path, "m", DIM)
    writer.upsert([doc("a:1", "导热", unit(1, 0, 0, 0)), doc("a:2", "水稻", unit(0, 1, 0, 0))])
    assert len(reader.knn(unit(1, 0, 0, 0), 5)) == 2
    writer.rebuild([doc("a:2", "水稻", unit(0, 1, 0, 0))])
    assert [h.id for h in reader.knn(unit(1, 0, 0, 0), 5)] == ["a:2"]
