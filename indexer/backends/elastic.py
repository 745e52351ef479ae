"""ElasticsearchIndex: dense_vector (cosine, HNSW) with filtered kNN and BM25 over the app's
tokens in a `whitespace`-analysed field, so results do not depend on a Chinese analysis plugin.

Indices are versioned (`<prefix>-<timestamp>`) behind the alias `<prefix>`; a full rebuild fills
a new index and swaps the alias atomically, then drops the old one.
"""

from __future__ import annotations

import base64
import contextlib
import threading
import time
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
from elasticsearch import ApiError, Elasticsearch, NotFoundError, TransportError
from elasticsearch.helpers import BulkIndexError, streaming_bulk

from indexer.backends import base
from indexer.backends.base import (
    Filters,
    Hit,
    IndexDocument,
    IndexModelMismatch,
    IndexUnavailable,
    SearchIndex,
    as_values,
    check_filter_names,
    unique_tokens,
)

# HNSW candidates per shard: k × factor, at least MIN_NUM_CANDIDATES. The matcher asks for k=100:
# 1,000 candidates took 33 ms at 100k documents, 300 took 22 ms, and the evaluation sets scored
# the same (dense nDCG@10 needs 0.711 → 0.712, csl 0.117 both; scripts/evaluate.py).
NUM_CANDIDATES_FACTOR = 3
MIN_NUM_CANDIDATES = 100
# how long the document frequencies of query terms are reused, in seconds, and how many are kept
# (ElasticsearchIndex._document_frequencies)
FREQUENCY_TTL = 300.0
MAX_CACHED_FREQUENCIES = 200_000
# How documents are stored. 2: the float array `vector` feeds the HNSW graph only (left out of
# _source) and `vector_f32` carries the same floats as base64: reading ~200 candidates' vectors
# (mget) for pair relevance took 44 ms at 100k, mostly parsing 384-number JSON arrays, and
# filtering them out of _source at read time made it slower still (88 ms). An index of another
# layout asks for a rebuild, as a changed model does.
LAYOUT = 2


def _mappings(model_id: str, dimension: int) -> dict[str, Any]:
    return {
        "_meta": {"model_id": model_id, "dimension": dimension, "layout": LAYOUT},
        "_source": {"excludes": ["vector"]},
        "dynamic_templates": [
            {"filters_as_keywords": {"path_match": "filters.*", "mapping": {"type": "keyword"}}}
        ],
        "properties": {
            "kind": {"type": "keyword"},
            "tokens": {"type": "text", "analyzer": "whitespace", "similarity": "BM25"},
            "vector": {
                "type": "dense_vector",
                "dims": dimension,
                "index": True,
                "similarity": "cosine",
            },
            "vector_f32": {"type": "binary"},
            "fingerprint": {"type": "keyword", "index": False},
            "filters": {"type": "object"},
            # the filters as given (types intact) for get(); kept, not indexed
            "original_filters": {"type": "object", "enabled": False},
        },
    }


VECTOR_BYTES = "vector_f32"


def _decode_vector(encoded: str) -> np.ndarray:
    return np.frombuffer(base64.b64decode(encoded), dtype="<f4").astype(np.float32)


def _hit(hit: dict[str, Any]) -> Hit:
    """A search hit with its stored vector: the ~200 candidates' cosines for pair relevance
    come with the two searches instead of a third request for them (mget, 28 ms at 20k)."""
    encoded = (hit.get("_source") or {}).get(VECTOR_BYTES)
    vector = _decode_vector(encoded) if encoded else None
    return Hit(hit["_id"], float(hit["_score"]), vector)


def _keyword(value: Any) -> str:
    # filters are stored as keywords: booleans and numbers compare as their string form
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _stored_filters(filters: dict[str, Any]) -> dict[str, Any]:
    return {
        name: [_keyword(v) for v in value] if isinstance(value, list) else _keyword(value)
        for name, value in filters.items()
        if value is not None
    }


class ElasticsearchIndex(SearchIndex):
    query_beside_embedding = False  # the server shares the machine's cores (base.SearchIndex)

    def __init__(
        self,
        url: str,
        prefix: str,
        model_id: str,
        dimension: int,
        *,
        shards: int = 1,
        replicas: int = 0,
        request_timeout: float = 30.0,
    ) -> None:
        self.alias = prefix
        self.model_id = model_id
        self.dimension = dimension
        self.shards = shards
        self.replicas = replicas
        self.es = Elasticsearch(
            url, request_timeout=request_timeout, retry_on_timeout=True, max_retries=3
        )
        self._checked = False
        self._frequencies: dict[str, tuple[int, float]] = {}  # term → (documents, when counted)
        self._frequencies_lock = threading.Lock()
        self._documents = 0

    # --- set-up -----------------------------------------------------------------------------

    def _call(self, fn, *args, **kwargs):  # type: ignore[no-untyped-def]
        try:
            return fn(*args, **kwargs)
        except (TransportError, ConnectionError) as exc:
            raise IndexUnavailable(str(exc)) from exc
        except NotFoundError as exc:
            if exc.error != "index_not_found_exception":
                raise
            # the index went away under us (a wiped or restored cluster): answer "unavailable"
            # so callers fall back, and create an empty one on the next call; the drift repair
            # refills it from the database
            self._checked = False
            raise IndexUnavailable(f"index {self.alias} is missing") from exc

    def ensure(self) -> None:
        """Create the first versioned index behind the alias, or check the existing one."""
        if self._checked:
            return
        exists = self._call(self.es.indices.exists_alias, name=self.alias)
        if not exists:
            self._create_index(self._new_name(), alias=True)
        else:
            mapping = self._call(self.es.indices.get_mapping, index=self.alias)
            meta = next(iter(mapping.values()))["mappings"].get("_meta", {})
            if meta.get("model_id") != self.model_id or meta.get("dimension") != self.dimension:
                raise IndexModelMismatch(
                    f"index {self.alias} was built with {meta.get('model_id')} "
                    f"({meta.get('dimension')} dims), not {self.model_id} ({self.dimension})"
                )
            if meta.get("layout", 1) != LAYOUT:
                raise IndexModelMismatch(
                    f"index {self.alias} stores documents in layout {meta.get('layout', 1)}, "
                    f"this version reads layout {LAYOUT}; rebuild the index"
                )
        self._checked = True

    def _new_name(self) -> str:
        return f"{self.alias}-{time.strftime('%Y%m%d%H%M%S')}-{time.monotonic_ns() % 1_000_000:06d}"

    def _create_index(self, name: str, alias: bool) -> None:
        body: dict[str, Any] = {
            "settings": {"number_of_shards": self.shards, "number_of_replicas": self.replicas},
            "mappings": _mappings(self.model_id, self.dimension),
        }
        if alias:
            body["aliases"] = {self.alias: {"is_write_index": True}}
        self._call(self.es.indices.create, index=name, **body)

    # --- writing ----------------------------------------------------------------------------

    def _actions(self, index: str, documents: Iterable[IndexDocument]):  # type: ignore[no-untyped-def]
        for doc in documents:
            self.check_document(doc)
            vector = np.asarray(doc.vector, dtype="<f4")
            yield {
                "_op_type": "index",
                "_index": index,
                "_id": doc.id,
                "_source": {
                    "kind": doc.kind,
                    "tokens": " ".join(doc.tokens),
                    "vector": vector.tolist(),
                    VECTOR_BYTES: base64.b64encode(vector.tobytes()).decode("ascii"),
                    "filters": _stored_filters(doc.filters),
                    "original_filters": doc.filters,
                    "fingerprint": doc.fingerprint,
                },
            }

    def _bulk(self, index: str, documents: Iterable[IndexDocument], batch_size: int) -> int:
        written = 0
        try:
            for ok, _item in streaming_bulk(
                self.es,
                self._actions(index, documents),
                chunk_size=batch_size,
                max_retries=3,
                initial_backoff=1,
                raise_on_error=True,
            ):
                written += 1 if ok else 0
        except BulkIndexError as exc:
            raise IndexUnavailable(f"bulk indexing failed: {exc.errors[:3]}") from exc
        except (TransportError, ConnectionError) as exc:
            raise IndexUnavailable(str(exc)) from exc
        return written

    def upsert(self, documents: Sequence[IndexDocument]) -> None:
        if not documents:
            return
        self.ensure()
        self._bulk(self.alias, documents, batch_size=500)
        self._call(self.es.indices.refresh, index=self.alias)

    def delete(self, ids: Sequence[str]) -> None:
        if not ids:
            return
        self.ensure()
        actions = ({"_op_type": "delete", "_index": self.alias, "_id": i} for i in ids)
        try:
            for _ok, _item in streaming_bulk(self.es, actions, raise_on_error=False):
                pass  # a missing document is already deleted
        except (TransportError, ConnectionError) as exc:
            raise IndexUnavailable(str(exc)) from exc
        self._call(self.es.indices.refresh, index=self.alias)

    def rebuild(self, documents: Iterable[IndexDocument], batch_size: int = 500) -> int:
        new_index = self._new_name()
        self._create_index(new_index, alias=False)
        try:
            written = self._bulk(new_index, documents, batch_size)
            self._call(self.es.indices.refresh, index=new_index)
        except BaseException:
            self.es.indices.delete(index=new_index, ignore_unavailable=True)
            raise
        old = []
        if self._call(self.es.indices.exists_alias, name=self.alias):
            old = list(self._call(self.es.indices.get_alias, name=self.alias).keys())
        actions: list[dict[str, Any]] = [{"remove": {"index": i, "alias": self.alias}} for i in old]
        actions.append({"add": {"index": new_index, "alias": self.alias, "is_write_index": True}})
        self._call(self.es.indices.update_aliases, actions=actions)  # one atomic swap
        for index in old:
            self.es.indices.delete(index=index, ignore_unavailable=True)
        self._checked = True
        return written

    # --- reading ----------------------------------------------------------------------------

    @staticmethod
    def _filter_clause(filters: Filters | None, exclude: Filters | None) -> dict[str, Any]:
        check_filter_names(filters, exclude)
        must = [
            {"terms": {f"filters.{n}": [_keyword(v) for v in as_values(v_)]}}
            for n, v_ in (filters or {}).items()
        ]
        must_not = [
            {"terms": {f"filters.{n}": [_keyword(v) for v in as_values(v_)]}}
            for n, v_ in (exclude or {}).items()
        ]
        return {"bool": {"filter": must, "must_not": must_not}}

    def knn(
        self,
        vector: np.ndarray,
        k: int,
        filters: Filters | None = None,
        exclude: Filters | None = None,
    ) -> list[Hit]:
        if k <= 0:
            return []
        self.ensure()
        query_vector = np.asarray(vector, dtype=np.float32)
        if query_vector.shape != (self.dimension,):
            raise IndexModelMismatch(
                f"query vector shape {query_vector.shape} != ({self.dimension},)"
            )
        response = self._call(
            self.es.search,
            index=self.alias,
            size=k,
            source=[VECTOR_BYTES],
            knn={
                "field": "vector",
                "query_vector": query_vector.tolist(),
                "k": k,
                "num_candidates": max(k * NUM_CANDIDATES_FACTOR, MIN_NUM_CANDIDATES),
                "filter": self._filter_clause(filters, exclude),
            },
        )
        return [_hit(h) for h in response["hits"]["hits"]]

    def lexical(
        self,
        tokens: Sequence[str],
        k: int,
        filters: Filters | None = None,
        exclude: Filters | None = None,
        query_is_indexed: bool = False,
    ) -> list[Hit]:
        terms = unique_tokens(tokens)
        if not terms or k <= 0:
            return []
        self.ensure()
        if len(terms) > base.MIN_QUERY_TERMS:
            frequencies, documents = self._document_frequencies(terms)
            terms = base.rarest_terms(terms, frequencies, documents, int(query_is_indexed))
            if not terms:
                return []
        query = self._filter_clause(filters, exclude)
        query["bool"]["should"] = [{"term": {"tokens": t}} for t in terms]
        query["bool"]["minimum_should_match"] = 1
        response = self._call(
            self.es.search,
            index=self.alias,
            size=k,
            source=[VECTOR_BYTES],
            query=query,
            track_total_hits=False,
        )
        return [_hit(h) for h in response["hits"]["hits"]]

    def _document_frequencies(self, terms: list[str]) -> tuple[dict[str, int], int]:
        """How many documents hold each term, and how many documents there are. Terms not
        counted in the last FREQUENCY_TTL seconds are counted with one term-vectors request for
        them as an artificial document (about 5 ms at 100k). Counts only choose which terms to
        send, so a few minutes' staleness costs little; a term in no document is never kept (it
        may be published the next moment, and then it must be sent)."""
        now = time.monotonic()
        known: dict[str, int] = {}
        with self._frequencies_lock:
            for term in terms:
                cached = self._frequencies.get(term)
                if cached and now - cached[1] <= FREQUENCY_TTL:
                    known[term] = cached[0]
        missing = [t for t in terms if t not in known]
        if missing:
            response = self._call(
                self.es.termvectors,
                index=self.alias,
                doc={"tokens": " ".join(missing)},
                term_statistics=True,
                field_statistics=True,
                positions=False,
                offsets=False,
                payloads=False,
            )
            vectors = response.get("term_vectors", {}).get("tokens")
            if not vectors:  # nothing indexed yet
                return known, self._documents
            counted = {t: int(v.get("doc_freq", 0)) for t, v in vectors["terms"].items()}
            known.update(counted)
            with self._frequencies_lock:
                if len(self._frequencies) > MAX_CACHED_FREQUENCIES:
                    self._frequencies = {}
                self._frequencies.update((t, (n, now)) for t, n in counted.items() if n)
                self._documents = int(vectors["field_statistics"]["doc_count"])
        return known, self._documents

    def get(self, ids: Sequence[str]) -> dict[str, IndexDocument]:
        if not ids:
            return {}
        self.ensure()
        response = self._call(self.es.mget, index=self.alias, ids=list(ids))
        found: dict[str, IndexDocument] = {}
        for doc in response["docs"]:
            if doc.get("found"):
                src = doc["_source"]
                found[doc["_id"]] = IndexDocument(
                    id=doc["_id"],
                    kind=src["kind"],
                    tokens=src["tokens"].split(),
                    vector=_decode_vector(src[VECTOR_BYTES]),
                    filters=src.get("original_filters", {}),
                    fingerprint=src.get("fingerprint", ""),
                )
        return found

    def fingerprints(self) -> dict[str, str]:
        self.ensure()
        result: dict[str, str] = {}
        response = self._call(
            self.es.search,
            index=self.alias,
            scroll="2m",
            size=1000,
            source=["fingerprint"],
            query={"match_all": {}},
            sort=["_doc"],
        )
        scroll_id = response.get("_scroll_id")
        try:
            while response["hits"]["hits"]:
                for hit in response["hits"]["hits"]:
                    result[hit["_id"]] = hit["_source"].get("fingerprint", "")
                response = self._call(self.es.scroll, scroll_id=scroll_id, scroll="2m")
                scroll_id = response.get("_scroll_id")
        finally:
            if scroll_id:
                with contextlib.suppress(ApiError, TransportError):
                    self.es.clear_scroll(scroll_id=scroll_id)
        return result

    def count(self) -> int:
        self.ensure()
        return int(self._call(self.es.count, index=self.alias)["count"])

    @staticmethod
    def probe(url: str, prefix: str, timeout: float = 2.0) -> int:
        """Documents behind the alias, read without the model (readiness): 0 before the first
        build; raises IndexUnavailable when the cluster does not answer."""
        es = Elasticsearch(url, request_timeout=timeout, max_retries=0)
        try:
            return int(es.count(index=prefix)["count"])
        except NotFoundError:
            return 0
        except (TransportError, ConnectionError, ApiError) as exc:
            raise IndexUnavailable(str(exc)[:300]) from exc
        finally:
            es.close()

    def health(self) -> dict[str, Any]:
        try:
            cluster = self.es.cluster.health(timeout="5s")
            documents = self.count()
        except (IndexUnavailable, TransportError, ApiError, NotFoundError, ConnectionError) as exc:
            return {"backend": "elasticsearch", "status": "unavailable", "error": str(exc)[:300]}
        return {
            "backend": "elasticsearch",
            "status": cluster["status"],
            "alias": self.alias,
            "documents": documents,
            "model": self.model_id,
        }

    def drop(self) -> None:
        """Delete every index behind the alias (tests and `reindex --drop`)."""
        if self.es.indices.exists_alias(name=self.alias):
            for index in self.es.indices.get_alias(name=self.alias):
                self.es.indices.delete(index=index, ignore_unavailable=True)
        self._checked = False
