"""The web page refuses, at its cell and in Chinese, what the documents cannot hold (issue 24, 3): never an HTTP 500."""

from __future__ import annotations

import io

import pytest
from support import FORM_TOKEN_FIELD, form_token, html_text

from generator.frontends import web


@pytest.fixture
def client(tmp_path):
    app = web.create_app(workdir=tmp_path)
    yield app.test_client()
    app.extensions["budget_report"].close()


def test_a_bureau_name_the_document_cannot_hold_is_a_finding_on_the_page(client, broken, rows):
    path = broken(lambda e: e.fact("部门名称", "某" * 241), name="过长.xlsx")
    data = {"files": [(io.BytesIO(path.read_bytes()), path.name)], FORM_TOKEN_FIELD: form_token(client)}
    response = client.post("/upload", data=data, content_type="multipart/form-data", follow_redirects=True)
    page = html_text(response.get_data(as_text=True), spaces=True)
    assert response.status_code == 200, page
    assert f"基本信息!B{rows.fact('部门名称')}" in page
    assert "“部门名称”过长（241 个字符，最多 100 个）" in page
    assert "exceeded" not in page and "内部错误" not in page
