"""Process-wide wiring (the composition root): the settings, database and search engine every
entry point (web, worker, CLI) shares, and the settings the features are configured with.

Nothing connects at import time; `configure()` is called once by the entry point.
"""

from __future__ import annotations

import gc
import os

from matchmaker.config import Settings
from matchmaker.db import Database
from matchmaker.search.engine import SearchEngine

_settings: Settings | None = None
_database: Database | None = None
_search: SearchEngine | None = None


def configure(settings: Settings) -> Database:
    global _settings, _database, _search
    if _database is not None and _database.url != settings.database_url:
        _database.dispose()
        _database = None
    if _search is not None and _search.settings != settings:
        _search = None
    _settings = settings
    if _database is None:
        _database = Database(settings.database_url)
    # imported for what they register with visibility: the conversation subject kinds
    # ("match"; "interest", the thread of a granted interest request)
    import matchmaker.conversations
    import matchmaker.interest.threads  # noqa: F401
    from matchmaker.celery_app import configure_celery
    from matchmaker.notifications import notify
    from matchmaker.search import indexing

    notify.configure(settings.site_url)
    indexing.configure(settings.search_enabled)
    configure_celery(settings)
    return _database


def settings() -> Settings:
    if _settings is None:
        configure(Settings.from_env())
    assert _settings is not None
    return _settings


def database() -> Database:
    if _database is None:
        configure(Settings.from_env())
    assert _database is not None
    return _database


def search_engine() -> SearchEngine:
    """The index and embedder; the model loads on first use, not here. Follows a switch to an
    adapted model made by any process (a stat of one small file per call)."""
    global _search
    from matchmaker.adaptation import registry

    model = registry.active(settings()).model
    if _search is None or _search.model_name != model:
        _search = SearchEngine(settings(), model)
    return _search


def yield_to_the_site(niceness: int) -> int:
    """Lower this process's CPU priority (the worker's); returns the new niceness."""
    return os.nice(max(0, niceness))


def settle_long_lived_objects() -> None:
    """Exempt every object alive now from Python's full garbage collections (`gc.freeze`).

    Called once a long-lived process has loaded what it keeps for its lifetime: the modules,
    the app, jieba's and the reverse English dictionaries. A full collection walked all of them
    each time (30–65 ms measured, every ~10 rankings at 100k listings: need → top-20 p95
    143 → 73 ms with them frozen). Frozen objects are still freed by reference counting; only
    a reference cycle among them would outlive its use, hence the collection first.
    """
    gc.collect()
    gc.freeze()
