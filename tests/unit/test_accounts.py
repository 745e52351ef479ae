import pytest

from matchmaker.accounts import operations as accounts
from matchmaker.core.errors import ValidationFailed
from matchmaker.db import count_rows
from matchmaker.models import Organisation, OrganisationKind, Role, User
from tests import factories


def registration(**overrides) -> accounts.Registration:
    values = dict(
        email="Li.Na@Example.com",
        password="goodpass1",
        name="李娜",
        role=Role.ENTERPRISE,
        organisation_name="恒泰精密机械有限公司",
        organisation_kind=OrganisationKind.ENTERPRISE,
        credit_code="91350100M000100Y43",
        region="福建省",
    )
    values.update(overrides)
    return accounts.Registration(**values)


def test_register_creates_user_and_organisation(session) -> None:
    user = accounts.register(session, registration())
    assert user.email == "li.na@example.com"  # stored lower-case
    assert user.role == Role.ENTERPRISE
    assert user.organisation.credit_code == "91350100M000100Y43"
    assert user.password_hash != "goodpass1"
    assert accounts.authenticate(session, "LI.NA@example.com", "goodpass1") is user


def test_second_person_of_same_enterprise_joins_existing_organisation(session) -> None:
    first = accounts.register(session, registration())
    second = accounts.register(session, registration(email="wang@example.com"))
    assert first.organisation_id == second.organisation_id
    assert count_rows(session, Organisation) == 1


@pytest.mark.parametrize(
    ("overrides", "code", "field"),
    [
        ({"password": "short1"}, "password_too_short", "password"),
        ({"password": "onlyletters"}, "password_needs_letters_and_digits", "password"),
        ({"email": "not-an-email"}, "email_invalid", "email"),
        ({"credit_code": "91350100M000100Y44"}, "credit_code_check", "credit_code"),
        ({"credit_code": ""}, "credit_code_required", "credit_code"),
        ({"name": "   "}, "name_required", "name"),
        ({"role": Role.STAFF}, "role_not_allowed", "role"),
        (
            {"organisation_kind": OrganisationKind.UNIVERSITY},
            "enterprise_needs_enterprise_org",
            "organisation_kind",
        ),
    ],
)
def test_bad_registrations_are_refused_and_save_nothing(session, overrides, code, field) -> None:
    with pytest.raises(ValidationFailed) as info:
        accounts.register(session, registration(**overrides))
    assert (info.value.code, info.value.field) == (code, field)
    assert count_rows(session, User) == 0
    assert count_rows(session, Organisation) == 0


def test_taken_email_is_refused_whatever_its_case(session) -> None:
    accounts.register(session, registration())
    with pytest.raises(ValidationFailed) as info:
        accounts.register(session, registration(email="LI.NA@EXAMPLE.COM"))
    assert info.value.code == "email_taken"
    assert count_rows(session, User) == 1


def test_researcher_needs_no_credit_code(session) -> None:
    user = accounts.register(
        session,
        registration(
            role=Role.RESEARCHER,
            organisation_kind=OrganisationKind.UNIVERSITY,
            organisation_name="江南理工大学",
            credit_code=None,
            email="prof@example.edu.cn",
        ),
    )
    assert user.organisation.kind == OrganisationKind.UNIVERSITY
    assert user.organisation.credit_code is None


def test_authenticate_rejects_wrong_password_and_inactive_users(session) -> None:
    user = factories.user(session, email="a@example.com")
    assert accounts.authenticate(session, "a@example.com", "wrong-pass1") is None
    assert accounts.authenticate(session, "nobody@example.com", factories.PASSWORD) is None
    assert accounts.authenticate(session, "a@example.com", factories.PASSWORD) is user
    assert user.last_login_at is not None
    user.is_active = False
    assert accounts.authenticate(session, "a@example.com", factories.PASSWORD) is None


def test_password_hash_uses_a_modern_algorithm(session) -> None:
    assert accounts.hash_password("goodpass1").startswith(("scrypt:", "pbkdf2:sha256:"))
