import uuid

import pytest

from indexer.backends.elastic import ElasticsearchIndex
from tests.index_contract import DIM, IndexContract

pytestmark = pytest.mark.integration


class TestElasticsearchIndex(IndexContract):
    @pytest.fixture(autouse=True)
    def _server(self, es_url: str):
        self.url = es_url
        self.prefix = f"mm-contract-{uuid.uuid4().hex[:10]}"
        yield
        ElasticsearchIndex(self.url, self.prefix, "test-model", DIM).drop()

    def make_index(self, model_id: str = "test-model", dimension: int = DIM):
        return ElasticsearchIndex(self.url, self.prefix, model_id=model_id, dimension=dimension)

    def reopen(self, index, model_id, dimension):
        return ElasticsearchIndex(self.url, self.prefix, model_id=model_id, dimension=dimension)

    def test_hits_bring_their_vectors_so_cosines_need_no_second_request(self, filled) -> None:
        from tests.index_contract import unit

        hits = filled.knn(unit(1, 0, 0, 0), 3) + filled.lexical(["导热"], 3)
        assert hits and all(h.vector is not None for h in hits)
        filled.get = lambda ids: pytest.fail(f"read again: {ids}")  # type: ignore[method-assign]
        known = {h.id: h.vector for h in hits}
        assert set(filled.cosines(unit(1, 0, 0, 0), list(known), known)) == set(known)


def test_an_index_deleted_behind_its_back_is_unavailable_once_then_recreated(es_url) -> None:
    """A wiped cluster: the first query says "unavailable" (so search falls back to the
    database), the next call creates an empty index that the drift repair can refill."""
    from elasticsearch import Elasticsearch

    from indexer.backends import IndexUnavailable
    from tests.index_contract import CORPUS, unit

    index = ElasticsearchIndex(es_url, f"mm-wiped-{uuid.uuid4().hex[:10]}", "test-model", DIM)
    try:
        index.upsert(CORPUS)
        assert index.count() == len(CORPUS)
        admin = Elasticsearch(es_url)
        admin.indices.delete(index=list(admin.indices.get_alias(name=index.alias)))
        with pytest.raises(IndexUnavailable):
            index.knn(unit(1, 0, 0, 0), 3)
        assert index.lexical(["导热"], 3) == []  # recreated, empty
        index.upsert(CORPUS[:1])
        assert [h.id for h in index.knn(unit(1, 0, 0, 0), 3)] == [CORPUS[0].id]
    finally:
        index.drop()


def test_a_term_published_after_a_query_that_missed_it_is_sent_at_once(es_url) -> None:
    """Term counts are reused between queries, but never "in no document": a listing published
    right after a query that found nothing must be found by the next one."""
    from tests.index_contract import doc, unit

    index = ElasticsearchIndex(es_url, f"mm-counts-{uuid.uuid4().hex[:10]}", "test-model", DIM)
    query = ["氮化铝"] + [f"词{i}" for i in range(12)]  # long enough to choose rare terms
    try:
        index.upsert([doc(f"a:{i}", f"词{i} 常见", unit(1, 0, 0, 0)) for i in range(12)])
        assert "a:new" not in {h.id for h in index.lexical(query, 20)}
        index.upsert([doc("a:new", "氮化铝 基板", unit(0, 1, 0, 0))])
        assert "a:new" in {h.id for h in index.lexical(query, 20)}
    finally:
        index.drop()


def test_an_index_of_the_previous_layout_asks_for_a_rebuild_and_the_rebuild_reads(es_url) -> None:
    """Layout 1 kept the float array in _source; this version reads `vector_f32`. An old index
    is refused with "rebuild", never half read, and a rebuild makes it whole."""
    from elasticsearch import Elasticsearch

    from indexer.backends import IndexModelMismatch
    from indexer.backends.elastic import _mappings
    from tests.index_contract import CORPUS, unit

    index = ElasticsearchIndex(es_url, f"mm-layout-{uuid.uuid4().hex[:10]}", "test-model", DIM)
    old_mappings = _mappings("test-model", DIM)
    del old_mappings["_meta"]["layout"], old_mappings["_source"]
    del old_mappings["properties"]["vector_f32"]
    Elasticsearch(es_url).indices.create(
        index=f"{index.alias}-old", mappings=old_mappings, aliases={index.alias: {}}
    )
    try:
        with pytest.raises(IndexModelMismatch, match="rebuild"):
            index.knn(unit(1, 0, 0, 0), 3)
        assert index.rebuild(CORPUS) == len(CORPUS)
        stored = index.get([CORPUS[0].id])[CORPUS[0].id]
        assert stored.vector.dtype == "float32"
        assert stored.vector.tolist() == CORPUS[0].vector.astype("float32").tolist()
        assert [h.id for h in index.knn(unit(1, 0, 0, 0), 1)] == [CORPUS[0].id]
        raw = Elasticsearch(es_url).get(index=index.alias, id=CORPUS[0].id)["_source"]
        assert "vector" not in raw and "vector_f32" in raw
    finally:
        index.drop()
