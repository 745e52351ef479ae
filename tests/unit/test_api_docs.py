"""The API documentation page: rendered by the app from the OpenAPI document, nothing fetched
from another host."""

from __future__ import annotations

import re


def test_docs_page_lists_every_path_and_operation(client) -> None:
    document = client.get("/api/v1/openapi.json").get_json()
    response = client.get("/api/docs?lang=en")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    for path, item in document["paths"].items():
        for method, operation in item.items():
            assert f'id="{operation["operationId"]}"' in page
            assert f"{method.upper()} {path}" in page
            for parameter in operation["parameters"]:
                assert f"<code>{parameter['name']}</code>" in page


def test_docs_page_shows_response_fields(client) -> None:
    document = client.get("/api/v1/openapi.json").get_json()
    page = client.get("/api/docs").get_data(as_text=True)
    listing = next(
        op["get"]
        for path, op in document["paths"].items()
        if path.endswith("/achievements/{listing_id}")
    )
    fields = listing["responses"]["200"]["content"]["application/json"]["schema"]["properties"]
    for name in fields:
        assert f"<code>{name}</code>" in page


def test_docs_page_loads_nothing_from_another_host(client) -> None:
    page = client.get("/api/docs").get_data(as_text=True)
    assert not re.search(r"""(?:src|href|action)=["']?(?:https?:)?//""", page)
    assert [
        url for url in re.findall(r"https?://[^\s\"'<>]+", page) if "localhost" not in url
    ] == []
