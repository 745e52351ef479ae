"""The match spreadsheet speaks the reader's language: labels, not codes; local dates."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from openpyxl import load_workbook

from matchmaker import taxonomy
from matchmaker.models import MatchState, Role
from tests import factories
from tests.unit.test_submissions_web import login

CODES = {
    *taxonomy.FIELDS,
    *taxonomy.COOPERATION_MODES,
    *taxonomy.IP_TYPES,
    *(state.value for state in MatchState),
}


@pytest.fixture
def exported(app):
    from web import db

    with app.app_context():
        s = db.session()
        staff = factories.user(s, Role.STAFF, email="desk@example.com")
        states = list(MatchState)
        for n, field in enumerate(taxonomy.FIELDS):
            need = factories.need(s, field=field, title=f"需求 {n}")
            item = factories.achievement(s, field=field, title=f"成果 {n}")
            factories.match(
                s,
                need,
                item,
                state=states[n % len(states)],
                # 20:30 UTC is already the next day in Shanghai
                created_at=datetime(2030, 3, 1, 20, 30, tzinfo=UTC),
            )
        s.commit()
        return staff.email


def _rows(client, lang: str) -> list[tuple]:
    response = client.get(f"/review/matches/export.xlsx?state=all&lang={lang}")
    assert response.status_code == 200
    return list(load_workbook(io.BytesIO(response.data)).active.values)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_export_shows_no_raw_codes(client, exported, lang) -> None:
    login(client, exported)
    rows = _rows(client, lang)
    assert len(rows) == 1 + len(taxonomy.FIELDS)
    cells = {str(cell) for row in rows for cell in row if cell is not None}
    assert sorted(cells & CODES) == []
    labels = {term.label(lang) for term in taxonomy.FIELDS.values()}
    assert labels <= cells


def test_export_dates_are_association_local(client, exported) -> None:
    login(client, exported)
    rows = _rows(client, "zh")
    created = rows[0].index("创建时间")
    assert {row[created] for row in rows[1:]} == {"2030-03-02"}
