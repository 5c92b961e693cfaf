"""Static files the ecosystem's way: each file of static/ copied under a name holding a hash of its
content (`css/portal.3f9c2a1b7d4e.css`), the module scripts' imports rewritten to those names,
gzip and Brotli copies made once, and WhiteNoise answering for them before Flask sees the request.
A hashed name never changes, so a browser keeps it for a year whatever the session; a page's
`url_for("static", ...)` gives the hashed name.

The build is made as the app starts, into a folder named by a hash of every source file: a change
to static/ builds anew, and workers starting together end with the same folder.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
from pathlib import Path, PurePosixPath

from flask import Flask
from whitenoise import WhiteNoise
from whitenoise.compress import Compressor

MANIFEST = "manifest.json"
# A hashed name: 12 hex characters before the extension.
HASHED = re.compile(r"\.[0-9a-f]{12}\.[^./]+$")
# A module script's relative import: `import ... from "../x.js"`, `import "./y.mjs"`.
IMPORT = re.compile(r"""(\b(?:from|import)\s*["'])(\.{1,2}/[^"']+)(["'])""")
MODULES = (".mjs", ".js")
# Files not hashed (a bookmarked or hand-typed address) are kept a minute.
UNHASHED_MAX_AGE = 60


class _Static(WhiteNoise):
    FOREVER = 31_536_000  # a hashed name's max-age: a year (RFC 9111's "never expires")


def init_assets(app: Flask, headers: dict[str, str]) -> None:
    """Serve static/'s build through WhiteNoise, each response with `headers` (the security
    headers, which Flask's own hooks never see for these), and give pages the hashed names."""
    build = built(Path(app.static_folder), Path(app.config["STATIC_BUILD_FOLDER"]))
    names = json.loads((build / MANIFEST).read_text())

    @app.url_defaults
    def _hashed(endpoint: str, values: dict) -> None:
        if endpoint == "static":
            values["filename"] = names.get(values["filename"], values["filename"])

    def _add_headers(response_headers, path: str, url: str) -> None:
        for name, value in headers.items():
            response_headers[name] = value

    app.wsgi_app = _Static(
        app.wsgi_app,
        root=build,
        prefix=app.static_url_path,
        max_age=UNHASHED_MAX_AGE,
        allow_all_origins=False,  # the portal's pages are the only ones using these
        immutable_file_test=lambda path, url: HASHED.search(url) is not None,
        add_headers_function=_add_headers,
    )


def built(source: Path, builds: Path) -> Path:
    """The build of `source`'s files, made now unless a build of the same files exists."""
    target = builds / fingerprint(source)
    if not (target / MANIFEST).exists():
        builds.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(dir=builds, prefix=".building-"))
        build(source, work)
        try:
            work.rename(target)
        except OSError:  # another worker finished the same build first
            shutil.rmtree(work, ignore_errors=True)
    return target


def fingerprint(source: Path) -> str:
    """A hash of every file's name and content below `source`."""
    digest = hashlib.sha256()
    for path in sorted(_files(source)):
        digest.update(path.relative_to(source).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def build(source: Path, target: Path) -> dict[str, str]:
    """Copy `source`'s files into `target` under their own names and their hashed ones, with
    gzip and Brotli copies, and write the manifest (each name's hashed name)."""
    names: dict[str, str] = {}
    for path in sorted(_files(source)):
        _hashed_name(path.relative_to(source).as_posix(), source, target, names)
    compressor = Compressor(quiet=True)
    for hashed in names.values():  # the plain names are there for old links only
        if compressor.should_compress(hashed):
            compressor.compress(str(target / hashed))
    (target / MANIFEST).write_text(json.dumps(names, indent=1, sort_keys=True))
    return names


def _hashed_name(name: str, source: Path, target: Path, names: dict[str, str]) -> str:
    """`name`'s hashed name, written with its plain one; a module script's imports first, as its
    own content names them."""
    if name in names:
        return names[name]
    content = (source / name).read_bytes()
    if name.endswith(MODULES):
        content = _rewrite_imports(name, content, source, target, names)
    stem, dot, extension = name.rpartition(".")
    hashed = f"{stem}.{hashlib.sha256(content).hexdigest()[:12]}{dot}{extension}"
    for written in (name, hashed):
        (target / written).parent.mkdir(parents=True, exist_ok=True)
        (target / written).write_bytes(content)
    names[name] = hashed
    return hashed


def _rewrite_imports(name: str, content: bytes, source: Path, target: Path, names: dict[str, str]) -> bytes:
    """A module script with each relative import pointing at the imported file's hashed name."""
    folder = PurePosixPath(name).parent

    def _to_hashed(match: re.Match) -> str:
        imported = os.path.normpath(folder / match[2])
        if not (source / imported).is_file():
            raise FileNotFoundError(f"{name} imports {match[2]}, which is not in {source}")
        relative = os.path.relpath(_hashed_name(imported, source, target, names), folder)
        # A specifier not starting ./ or ../ would be a bare one, which browsers refuse.
        return match[1] + (relative if relative.startswith(".") else f"./{relative}") + match[3]

    text = IMPORT.sub(_to_hashed, content.decode())
    return text.encode()


def _files(folder: Path) -> list[Path]:
    return [path for path in folder.rglob("*") if path.is_file() and not path.name.startswith(".")]
