"""The systemd units in deploy/: valid for systemd, restarting what must keep running, and using
the commands the README's production section names."""

import configparser
import shutil
import subprocess
from pathlib import Path

import pytest

from portal import ROOT

DEPLOY = ROOT / "deploy"
UNITS = sorted(DEPLOY.glob("portal-*.service")) + sorted(DEPLOY.glob("portal-*.timer"))


def read_unit(path: Path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # systemd's keys are case-sensitive
    parser.read_string(path.read_text())
    return parser


def test_the_units_are_the_web_server_the_worker_and_the_daily_job():
    assert [unit.name for unit in UNITS] == [
        "portal-daily.service",
        "portal-web.service",
        "portal-worker.service",
        "portal-daily.timer",
    ]


@pytest.mark.parametrize("name", ["portal-web.service", "portal-worker.service"])
def test_the_long_running_services_are_restarted_by_systemd(name):
    service = read_unit(DEPLOY / name)["Service"]
    assert service["Restart"] == "always"
    assert service["User"] == "portal"
    assert service["EnvironmentFile"] == "/etc/portal/portal.env"


def test_the_worker_stops_on_sigterm_and_the_web_server_migrates_first():
    worker = read_unit(DEPLOY / "portal-worker.service")["Service"]
    assert worker["ExecStart"].endswith("flask --app portal:create_app outbox work")
    assert worker["KillSignal"] == "SIGTERM"
    web = read_unit(DEPLOY / "portal-web.service")["Service"]
    assert web["ExecStartPre"].endswith("flask --app portal:create_app db upgrade")
    assert "gunicorn" in web["ExecStart"]


def test_the_daily_job_runs_each_morning_london_time_and_catches_up():
    timer = read_unit(DEPLOY / "portal-daily.timer")["Timer"]
    assert timer["OnCalendar"] == "*-*-* 06:15:00 Europe/London"
    assert timer["Persistent"] == "true"
    assert read_unit(DEPLOY / "portal-daily.service")["Service"]["ExecStart"].endswith("jobs daily")


def test_the_example_environment_sets_a_shared_limit_store():
    settings = dict(
        line.split("=", 1)
        for line in (DEPLOY / "portal.env.example").read_text().splitlines()
        if line and not line.startswith("#")
    )
    assert settings["PORTAL_CONFIG"] == "production"
    assert settings["RATELIMIT_STORAGE_URI"].startswith("redis://")


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze is not installed here")
def test_systemd_verifies_every_unit(tmp_path):
    """`systemd-analyze verify`, with the install path and environment file pointed at this
    checkout (it checks that each command exists): no error and no warning."""
    for unit in UNITS:
        text = unit.read_text().replace("/etc/portal/portal.env", str(DEPLOY / "portal.env.example"))
        (tmp_path / unit.name).write_text(text.replace("/srv/portal", str(ROOT)))
    result = subprocess.run(
        ["systemd-analyze", "verify", *sorted(str(path) for path in tmp_path.iterdir())],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout + result.stderr == ""
