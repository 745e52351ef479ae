"""JSON columns are not mutation-tracked: a change made in place on a loaded row is not saved.
These tests re-read the row in a fresh session to see what really reached the database."""

from __future__ import annotations

import pytest

from matchmaker import runtime
from matchmaker.db import Database, count_rows
from matchmaker.importing import operations as importing
from matchmaker.models import Achievement, Job, Role
from tests import factories
from tests.unit.test_import_tables import HEADER


class WorkerKilled(Exception):
    pass


def test_import_progress_of_every_batch_is_saved(
    database: Database, session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The row→achievement record grows with every committed row, not only the first (the
    worker resumes from it: a lost row would be imported twice)."""
    rows = "".join(f"成果{n},介绍{n},新材料,5,技术转让,10,20,上海市\n" for n in range(1, 6))
    owner = factories.user(session, Role.RESEARCHER)
    job = importing.preview(session, owner, (HEADER + rows).encode(), "x.csv")
    importing.confirm(session, owner, job, submit_for_review=False)
    session.commit()

    create = importing.listings.create
    made = 0

    def dies_on_the_fifth_row(*args, **kwargs):
        nonlocal made
        made += 1
        if made == 5:
            raise WorkerKilled
        return create(*args, **kwargs)

    monkeypatch.setattr(importing.listings, "create", dies_on_the_fifth_row)
    with pytest.raises(WorkerKilled):
        importing.run(
            session, job, settings=runtime.settings(), engine=runtime.search_engine()
        )  # four rows committed, the fifth dies
    session.rollback()

    with database.session() as fresh:
        saved = fresh.get(Job, job.id)
        assert len(saved.result["created"]) == 4
        assert saved.done == 4

    monkeypatch.setattr(importing.listings, "create", create)
    with database.session() as resumed:  # the redelivered task
        importing.run(
            resumed,
            resumed.get(Job, job.id),
            settings=runtime.settings(),
            engine=runtime.search_engine(),
        )
    with database.session() as fresh:
        assert count_rows(fresh, Achievement) == 5
        assert len(fresh.get(Job, job.id).result["created"]) == 5
