"""Static files: hashed names (module imports included), gzip and Brotli copies, a year's caching
whatever the session, and no session headers on them (portal.assets)."""

from __future__ import annotations

import gzip
import json
import posixpath
import re

import brotli
import pytest

from portal.assets import MANIFEST, build, built, fingerprint
from tests.factories import make_supplier, sign_in

YEAR = "max-age=31536000, public, immutable"


@pytest.fixture
def source(tmp_path):
    """A small static/ of two module scripts, one importing the other and a library file."""
    folder = tmp_path / "static"
    (folder / "js").mkdir(parents=True)
    (folder / "lib").mkdir()
    (folder / "lib" / "library.min.js").write_text("export const answer = 42;\n" * 40)
    (folder / "js" / "helper.mjs").write_text(
        'import { answer } from "../lib/library.min.js";\nexport { answer };\n'
    )
    (folder / "js" / "main.mjs").write_text("import { answer } from './helper.mjs';\nconsole.log(answer);\n")
    return folder


def test_each_file_is_copied_under_its_content_hash(source, tmp_path):
    names = build(source, tmp_path / "out")
    assert set(names) == {"lib/library.min.js", "js/helper.mjs", "js/main.mjs"}
    for name, hashed in names.items():
        assert re.fullmatch(re.escape(name.rsplit(".", 1)[0]) + r"\.[0-9a-f]{12}\.m?js", hashed)
        assert (tmp_path / "out" / hashed).read_bytes() == (tmp_path / "out" / name).read_bytes()
    assert json.loads((tmp_path / "out" / MANIFEST).read_text()) == names


def test_module_imports_point_at_the_hashed_names_and_keep_their_relative_form(source, tmp_path):
    names = build(source, tmp_path / "out")
    helper = (tmp_path / "out" / names["js/helper.mjs"]).read_text()
    main = (tmp_path / "out" / names["js/main.mjs"]).read_text()
    library = names["lib/library.min.js"].removeprefix("lib/")
    assert f'from "../lib/{library}"' in helper
    # A file beside it keeps its ./, without which the browser would take it for a package name.
    assert f"from './{names['js/helper.mjs'].removeprefix('js/')}'" in main


def test_a_change_to_an_imported_file_changes_the_importers_names_too(source, tmp_path):
    before = build(source, tmp_path / "one")
    (source / "lib" / "library.min.js").write_text("export const answer = 43;\n")
    after = build(source, tmp_path / "two")
    assert all(before[name] != after[name] for name in before)


def test_an_import_of_a_missing_file_fails_the_build(source, tmp_path):
    (source / "js" / "main.mjs").write_text('import "./gone.mjs";\n')
    with pytest.raises(FileNotFoundError, match=r"gone\.mjs"):
        build(source, tmp_path / "out")


def test_compressed_copies_hold_the_same_bytes(source, tmp_path):
    names = build(source, tmp_path / "out")
    hashed = tmp_path / "out" / names["lib/library.min.js"]
    content = hashed.read_bytes()
    assert gzip.decompress(hashed.with_name(hashed.name + ".gz").read_bytes()) == content
    assert brotli.decompress(hashed.with_name(hashed.name + ".br").read_bytes()) == content


def test_a_build_of_the_same_files_is_reused_and_a_change_builds_anew(source, tmp_path):
    first = built(source, tmp_path / "builds")
    stamp = (first / MANIFEST).stat().st_mtime_ns
    assert built(source, tmp_path / "builds") == first
    assert (first / MANIFEST).stat().st_mtime_ns == stamp
    (source / "js" / "main.mjs").write_text("console.log(1);\n")
    assert fingerprint(source) != first.name
    assert built(source, tmp_path / "builds") != first


def static_urls(html: str) -> list[str]:
    return re.findall(r'(?:href|src)="(/static/[^"]+)"', html)


def test_pages_link_the_hashed_names(client):
    with client.get("/") as response:
        urls = static_urls(response.get_data(as_text=True))
    assert len(urls) == 3  # the stylesheet, the icon and the module script
    assert all(re.search(r"\.[0-9a-f]{12}\.\w+$", url) for url in urls)


def test_hashed_files_are_kept_a_year_and_carry_no_session_even_signed_in(app, client):
    with app.app_context():
        user = make_supplier()
    sign_in(client, user.email)
    page = client.get("/account")
    assert page.headers["Cache-Control"] == "no-store"  # the page itself is never kept
    for url in static_urls(page.get_data(as_text=True)):
        with client.get(url) as response:
            assert response.status_code == 200, url
            assert response.headers["Cache-Control"] == YEAR, url
            assert "Set-Cookie" not in response.headers, url
            assert "Cookie" not in response.headers.get("Vary", ""), url
            assert response.headers["X-Content-Type-Options"] == "nosniff", url


@pytest.mark.parametrize(("accepted", "encoding"), [("br, gzip", "br"), ("gzip", "gzip"), ("identity", None)])
def test_files_go_compressed_as_the_browser_accepts(client, accepted, encoding):
    css = static_urls(client.get("/").get_data(as_text=True))[0]
    with client.get(css, headers={"Accept-Encoding": accepted}) as response:
        assert response.headers.get("Content-Encoding") == encoding
        assert "Accept-Encoding" in response.headers["Vary"]
        body = response.get_data()
    plain = {"br": brotli.decompress, "gzip": gzip.decompress, None: bytes}[encoding](body)
    assert b"font-family:arial,sans-serif" in plain.replace(b" ", b"")
    assert len(body) < len(plain) / 5 or encoding is None


def test_the_module_scripts_import_what_is_served(client):
    html = client.get("/").get_data(as_text=True)
    script = next(url for url in static_urls(html) if url.endswith(".mjs"))
    with client.get(script) as response:
        imported = re.search(r'from "([^"]+)"', response.get_data(as_text=True))[1]
    target = posixpath.normpath(posixpath.join(posixpath.dirname(script), imported))
    with client.get(target) as response:
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == YEAR


def test_a_plain_name_still_answers_but_is_kept_a_minute(client):
    with client.get("/static/css/portal.css") as response:
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "max-age=60, public"
