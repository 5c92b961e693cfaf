"""Every link in an email starts with BASE_URL (the suite checks each email it writes: see
`_emails_link_to_base_url` in tests/conftest.py), and `make run` gives the worker the same
BASE_URL as the web server."""

import shutil
import subprocess
from types import SimpleNamespace

import pytest

from portal import ROOT
from tests.conftest import links_off_base


def test_a_link_to_another_host_or_port_is_found_in_either_body():
    message = SimpleNamespace(
        body_text="Confirm: http://portal.test/verify/abc\nStop: http://localhost:5000/opportunities/unsubscribe/x",
        body_html='<a href="http://portal.test.evil.example/x">here</a> <a href="http://portal.test/y">y</a>',
    )
    assert links_off_base(message, "http://portal.test") == [
        "http://localhost:5000/opportunities/unsubscribe/x",
        "http://portal.test.evil.example/x",
    ]


@pytest.mark.skipif(not shutil.which("make"), reason="make is not installed here")
def test_make_run_gives_the_worker_the_web_servers_base_url():
    dry_run = subprocess.run(
        ["make", "-n", "run", "HOST=localhost", "PORT=5123"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    worker = next(line for line in dry_run.splitlines() if "outbox work" in line)
    server = next(line for line in dry_run.splitlines() if "flask run" in line)
    assert "BASE_URL=http://localhost:5123 " in worker
    assert "BASE_URL=http://localhost:5123 " in server
