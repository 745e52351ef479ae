"""The configured index and embedder, built once per process from Settings."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from indexer import text
from indexer.backends import SearchIndex, open_index, probe_index
from indexer.embedder import shared_embedder
from indexer.embedding_cache import CachedEmbedder
from matchmaker.config import Settings
from matchmaker.search import relevance
from matchmaker.search.profiles import AnalysisStore, ProfileStore


@dataclass
class SearchEngine:
    settings: Settings
    # the embedding model to load: an adapted model's directory (matchmaker/adaptation), or
    # "" for the configured one
    model: str = ""

    @property
    def model_name(self) -> str:
        return self.model or self.settings.embedding_model

    @cached_property
    def embedder(self) -> CachedEmbedder:
        embedder = shared_embedder(
            self.model_name,
            self.settings.model_cache_dir,
            precision=self.settings.embedding_precision,
        )
        return CachedEmbedder(embedder, self.settings.instance_dir / "embedding-cache.sqlite")

    @cached_property
    def profiles(self) -> ProfileStore:
        """The listing texts' word profiles for pair relevance, stored when indexed."""
        return ProfileStore(self.settings.instance_dir / "text-profiles.sqlite")

    @cached_property
    def analyses(self) -> AnalysisStore:
        """The listing texts' sentence cuts for explanations, stored when indexed."""
        return AnalysisStore(self.settings.instance_dir / "text-profiles.sqlite")

    @cached_property
    def calibration(self) -> relevance.Calibration:
        """Pair relevance for this model's vectors (an adapted model's cosine map applied)."""
        return relevance.for_model(self.model_name)

    @cached_property
    def index(self) -> SearchIndex:
        return open_index(
            self.settings.index_backend,
            # the index depends on both the vectors and the tokens it was built with
            model_id=f"{self.embedder.model_id}+{text.lexical_version()}",
            dimension=self.embedder.dimension,
            local_path=self.settings.local_index_path,
            elasticsearch_url=self.settings.elasticsearch_url,
            elasticsearch_prefix=self.settings.elasticsearch_index_prefix,
        )

    def document_count(self) -> int:
        """Documents in the index without loading the model (readiness probes); raises when
        the backend cannot be read."""
        return probe_index(
            self.settings.index_backend,
            local_path=self.settings.local_index_path,
            elasticsearch_url=self.settings.elasticsearch_url,
            elasticsearch_prefix=self.settings.elasticsearch_index_prefix,
        )
