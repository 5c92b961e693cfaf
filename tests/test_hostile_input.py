import pytest

HOSTILE_PATHS = [
    "/" + "a" * 20_000,
    "/%00",
    "/?q=%00%01%02%1b",
    "/<script>alert(1)</script>",
    "/?q=%3Cscript%3Ealert(1)%3C/script%3E",
    "/%ff%fe",
    "/?q=%ff%fe%c3%28",
    "/?q=' OR 1=1 --",
    "/accessibility?q=" + "x" * 20_000,
    "/..%2f..%2fetc%2fpasswd",
    "/static/../config.py",
    "/static/%2e%2e/config.py",
]


@pytest.mark.parametrize("path", HOSTILE_PATHS, ids=range(len(HOSTILE_PATHS)))
def test_hostile_urls_never_cause_a_server_error(client, path):
    response = client.get(path)
    assert response.status_code in {200, 400, 404}
    assert "<script>alert(1)</script>" not in response.get_data(as_text=True)
    assert "SECRET_KEY" not in response.get_data(as_text=True)


def test_hostile_headers_never_cause_a_server_error(client):
    response = client.get("/", headers={"User-Agent": "x" * 20_000, "Cookie": "session=\x00\xff"})
    assert response.status_code == 200
