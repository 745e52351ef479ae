"""A database session per request, closed (and rolled back if uncommitted) at teardown."""

from __future__ import annotations

from flask import Flask, current_app, g
from sqlalchemy.orm import Session

from matchmaker.db import Database


def database() -> Database:
    db: Database = current_app.extensions["matchmaker_db"]
    return db


def session() -> Session:
    if "db_session" not in g:
        g.db_session = database().session()
    s: Session = g.db_session
    return s


def init_app(app: Flask, db: Database) -> None:
    app.extensions["matchmaker_db"] = db

    @app.teardown_appcontext
    def _close_session(_exc: BaseException | None) -> None:
        s = g.pop("db_session", None)
        if s is not None:
            s.close()
