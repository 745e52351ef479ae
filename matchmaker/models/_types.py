"""Column helpers shared by the model modules."""

from __future__ import annotations

from enum import StrEnum

import sqlalchemy as sa


def enum_type(enum_cls: type[StrEnum]) -> sa.Enum:
    """Store enums as their string values in a VARCHAR: portable to SQLite and PostgreSQL,
    and a new state needs no ALTER TYPE migration."""
    return sa.Enum(
        enum_cls,
        native_enum=False,
        create_constraint=False,
        length=32,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


# Money is stored in 万元 (10,000 CNY), the unit every form and report in this field uses.
Money = sa.Numeric(14, 2, asdecimal=False)
