"""The expert document kind on both index backends: rebuilt with the listings, found for a need
through the same retrieval, kept in step (drift) and removed when the profile is archived."""

from __future__ import annotations

import uuid

import pytest

from indexer.backends.elastic import ElasticsearchIndex
from indexer.backends.local import LocalIndex
from matchmaker.experts import matching as expert_matching
from matchmaker.experts import proposals
from matchmaker.models import ExpertState, Role
from matchmaker.search import indexing, relevance
from matchmaker.search.documents import EXPERT_KIND, doc_id
from tests import factories, fakes
from tests.unit.test_experts import DIRECTIONS, NEED, UNRELATED, _profile

pytestmark = pytest.mark.integration


@pytest.fixture(params=["local", "elasticsearch"])
def engine(request, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    model = fakes.calibration()
    monkeypatch.setattr(relevance, "calibration", lambda: model)
    embedder = fakes.HashingEmbedder()
    if request.param == "local":
        index = LocalIndex(tmp_path / "index.sqlite", embedder.model_id, fakes.DIMENSION)
        yield fakes.FakeEngine(index, embedder)
        return
    url = request.getfixturevalue("es_url")
    index = ElasticsearchIndex(
        url, f"mm-experts-{uuid.uuid4().hex[:10]}", embedder.model_id, fakes.DIMENSION
    )
    try:
        yield fakes.FakeEngine(index, embedder)  # type: ignore[arg-type]
    finally:
        index.drop()


def test_expert_documents_on_each_backend(session, engine) -> None:
    enterprise = factories.user(session, Role.ENTERPRISE)
    need = factories.need(session, enterprise, title="硅碳负极首次效率低", description=NEED)
    good = _profile(session, directions=DIRECTIONS)
    other = _profile(session, name="赵专家", directions=UNRELATED, email="z@example.com")
    indexing.rebuild(session, engine)
    assert doc_id(EXPERT_KIND, good.id) in engine.index.fingerprints()
    assert indexing.drift(session, engine).total == 0
    # listings never see experts: the listing kinds filter them out
    found = [p.expert.id for p in expert_matching.experts_for_need(session, engine, need, None)]
    assert found[:1] == [good.id] and other.id not in found
    counts = proposals.propose_for_need(session, engine, need)
    assert counts["created"] == 1
    assert proposals.propose_all(session, engine) == 0  # the same pair, already proposed
    good.state = ExpertState.ARCHIVED
    assert indexing.sync_listing(session, engine, EXPERT_KIND, good.id) == "removed"
    assert expert_matching.experts_for_need(session, engine, need, None) == []
    # an archived expert's undecided proposal is withdrawn
    assert proposals.propose_for_expert(session, engine, good)["withdrawn"] == 1
