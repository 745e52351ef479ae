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
