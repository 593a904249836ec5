"""Posts from another site are refused by the web page whatever headers the browser leaves out.

Each header combination a cross-site form post can arrive with (issue 24, item 8): no Origin; no
Origin and a foreign Referer; Sec-Fetch-Site: cross-site; an Origin (or Referer) of the same host
and port under another scheme; a form without the page's token (a foreign Origin is test_web's).
A post of the page itself (its token, same origin) is accepted. Every post here sends a file that
is not a workbook: accepted means the page went on to read it (422), refused means it did not (403).
"""

from __future__ import annotations

import io
import time

import pytest
from support import FORM_TOKEN_FIELD, form_token, html_text

from generator.frontends import web

CROSS = "拒绝来自其他网页的上传"
STALE = "请刷新本页后重新上传"


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    app = web.create_app(workdir=tmp_path_factory.mktemp("web-cross-site"))
    yield app
    app.extensions["budget_report"].close()


@pytest.fixture(scope="module")
def client(app):
    return app.test_client()


@pytest.fixture(scope="module")
def token(client) -> str:
    return form_token(client)


def post(client, path: str = "/upload", *, token: str | None = None, headers: dict[str, str] | None = None):
    data: dict[str, object] = {"files": [(io.BytesIO(b"not a workbook"), "a.xlsx")]}
    if path == "/next.xlsx":
        data = {"last": (io.BytesIO(b"not a workbook"), "a.xlsx")}
    if token is not None:
        data[FORM_TOKEN_FIELD] = token
    return client.post(path, data=data, content_type="multipart/form-data", headers=headers or {})


def said(response) -> str:
    return html_text(response.get_data(as_text=True), spaces=True)


@pytest.mark.parametrize("path", ["/upload", "/next.xlsx"])
def test_every_form_carries_the_token_and_a_post_of_the_page_is_accepted(client, token, path):
    page = client.get("/").get_data(as_text=True)
    assert page.count(f'<input type="hidden" name="{FORM_TOKEN_FIELD}"') == 2  # the upload and next-year forms
    same = {"Origin": "http://localhost", "Sec-Fetch-Site": "same-origin", "Referer": "http://localhost/"}
    assert post(client, path, token=token, headers=same).status_code == 422
    assert post(client, path, token=token).status_code == 422  # a client that sends none of those headers


@pytest.mark.parametrize("path", ["/upload", "/next.xlsx"])
@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Referer": "http://evil.example/form.html"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site"},
    ],
    ids=["no-origin", "no-origin-foreign-referer", "sec-fetch-cross-site", "sec-fetch-same-site"],
)
def test_a_cross_site_post_without_the_token_is_refused(client, path, headers):
    response = post(client, path, headers=headers)
    assert response.status_code == 403
    assert CROSS in said(response) or STALE in said(response)


@pytest.mark.parametrize("path", ["/upload", "/next.xlsx"])
@pytest.mark.parametrize(
    "headers",
    [
        {"Referer": "http://evil.example/form.html"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Origin": "https://localhost"},  # same host and port, other scheme
        {"Referer": "https://localhost/"},
    ],
    ids=["foreign-referer", "sec-fetch-cross-site", "origin-other-scheme", "referer-other-scheme"],
)
def test_foreign_headers_are_refused_even_with_a_valid_token(client, token, path, headers):
    response = post(client, path, token=token, headers=headers)
    assert response.status_code == 403 and CROSS in said(response)


def test_a_token_not_of_this_app_is_refused(client, token, tmp_path):
    other = web.create_app(workdir=tmp_path)
    try:
        foreign = form_token(other.test_client())
    finally:
        other.extensions["budget_report"].close()
    for bad in (foreign, "", "1.abc", token.split(".")[0] + ".0", "0." + token.split(".")[1]):
        response = post(client, token=bad, headers={"Origin": "http://localhost"})
        assert response.status_code == 403 and STALE in said(response)


def test_an_old_token_is_refused(app, client):
    issued = str(int(time.time()) - web.FORM_TOKEN_TTL_S - 60)
    old = f"{issued}.{web._token_mac(app.config['BUDGET_REPORT_FORM_SECRET'], issued)}"
    response = post(client, token=old)
    assert response.status_code == 403 and STALE in said(response)
