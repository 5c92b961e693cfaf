"""The benchmark anchors (portal/bench.py), the demo-data registry (portal/demo/) and the
helpers bench/run.py measures the accounts area with."""

from __future__ import annotations

import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from flask import Flask
from sqlalchemy import delete, select

from bench import run as bench_run
from portal import demo
from portal.accounts.models import User
from portal.bench import EPOCH, bench_rows, create_bench_table, fill_bench_rows
from portal.demo import demo_data_command, insert_in_chunks, seeder
from portal.extensions import db
from portal.time import utcnow
from tests.conftest import count_queries, csrf_token_from, make_app, post_form
from tests.factories import APP_SECRET, app_code

ANCHORS = ["/_bench/bare", "/_bench/minimal", "/_bench/shell"]
# The first cell of each body row holds the row's id.
ROW_IDS = re.compile(r"<tr[^>]*>\s*<td[^>]*>(\d+)</td>")
CATEGORIES = 10  # 300 rows over 10 categories: 30 in each, more than a page of 25


@pytest.fixture
def bench_app(fresh_database: str) -> Iterator[Flask]:
    """An app with the anchors mounted, on a throwaway database holding a small bench_rows."""
    app = make_app(fresh_database, BENCHMARK_ANCHORS=True)
    with app.app_context(), db.engine.begin() as connection:
        create_bench_table(connection)
        fill_bench_rows(connection, 300, categories=CATEGORIES)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def expected_ids(category: int) -> list[int]:
    return [i for i in range(1, 301) if i % CATEGORIES == category][:25]


@pytest.mark.parametrize("path", ANCHORS)
def test_anchors_are_absent_from_a_normal_app(client, path):
    assert client.get(path).status_code == 404


def test_bare_anchor_answers_plain_text_without_the_database(bench_app):
    client = bench_app.test_client()
    client.get("/_bench/bare")  # the first request may open a connection; count the second
    with count_queries(bench_app) as statements:
        response = client.get("/_bench/bare")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    assert response.get_data(as_text=True) == "ok\n"
    assert statements == []


@pytest.mark.parametrize("path", ["/_bench/minimal", "/_bench/shell"])
def test_minimal_and_shell_show_25_rows_from_one_query(bench_app, path):
    client = bench_app.test_client()
    client.get(path)  # warm: connection set-up is not the page's cost
    with count_queries(bench_app) as statements:
        response = client.get(path)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert [int(i) for i in ROW_IDS.findall(html)] == expected_ids(7)
    assert len(statements) == 1, statements
    assert "bench_rows" in statements[0]


@pytest.mark.parametrize("path", ["/_bench/minimal", "/_bench/shell"])
def test_anchors_take_the_category_from_the_query_string(bench_app, path):
    html = bench_app.test_client().get(f"{path}?c=3").get_data(as_text=True)
    assert [int(i) for i in ROW_IDS.findall(html)] == expected_ids(3)


def test_minimal_is_a_bare_document_and_shell_is_the_portal_page(bench_app):
    client = bench_app.test_client()
    minimal = client.get("/_bench/minimal").get_data(as_text=True)
    shell = client.get("/_bench/shell").get_data(as_text=True)
    assert "govuk-" not in minimal
    assert "Supplier Portal" not in minimal
    assert "<title>Benchmark – Supplier Portal – Cheshire Constabulary and PCC</title>" in shell
    assert 'class="govuk-table"' in shell
    assert shell.count('<td class="govuk-table__cell">') == 25 * 4
    assert "govuk-phase-banner" in shell


# --- demo data ---------------------------------------------------------------------------------


@pytest.fixture
def empty_registry(monkeypatch) -> dict:
    """An empty SEEDERS for the test, so the areas' own seeders neither run nor are disturbed."""
    registry: dict = {}
    monkeypatch.setattr(demo, "SEEDERS", registry)
    return registry


def register_bench_seeder() -> None:
    @seeder("bench")
    def seed_bench(rows: int, rng) -> int:
        return insert_in_chunks(
            bench_rows,
            (
                {
                    "id": i,
                    "category": rng.randint(0, 9),
                    "title": f"row {rng.random():.12f}",
                    "amount": rng.randint(1, 10_000),
                    "created_at": EPOCH,
                }
                for i in range(1, rows + 1)
            ),
        )


def seeded_rows(app: Flask, seed: int) -> list[tuple]:
    """Run `demo-data --rows 120 --seed S` on an emptied bench_rows and read back what it wrote."""
    with app.app_context():
        db.session.execute(delete(bench_rows))
        db.session.commit()
    result = app.test_cli_runner().invoke(demo_data_command, ["--rows", "120", "--seed", str(seed)])
    assert result.exit_code == 0, result.output
    assert "bench: 120 rows in" in result.output
    with app.app_context():
        rows = db.session.execute(select(bench_rows).order_by(bench_rows.c.id)).all()
    return [tuple(row) for row in rows]


def test_demo_data_runs_registered_seeders_deterministically(bench_app, empty_registry, monkeypatch):
    monkeypatch.setattr(demo, "CHUNK_SIZE", 50)  # 120 rows: three chunks, three commits
    register_bench_seeder()
    first = seeded_rows(bench_app, seed=1)
    again = seeded_rows(bench_app, seed=1)
    other = seeded_rows(bench_app, seed=2)
    assert len(first) == 120
    assert first == again
    assert first != other


def test_demo_data_runs_seeders_in_name_order(empty_registry, runner):
    calls: list[str] = []
    for name in ["zeta", "alpha", "mu"]:
        seeder(name)(lambda rows, rng, name=name: calls.append(name) or rows)
    result = runner.invoke(demo_data_command, ["--rows", "3"])
    assert result.exit_code == 0, result.output
    assert calls == ["alpha", "mu", "zeta"]
    assert "9 rows from 3 seeders" in result.output


def test_demo_data_with_no_seeders_says_so(empty_registry, runner):
    result = runner.invoke(demo_data_command, ["--rows", "10"])
    assert result.exit_code == 0
    assert "No seeders registered." in result.output


def test_two_seeders_cannot_share_a_name(empty_registry):
    def first(rows, rng):
        return rows

    def second(rows, rng):
        return 0

    seeder("one")(first)
    seeder("one")(first)  # the same function again (a reloaded module) is no clash
    with pytest.raises(ValueError, match="already registered"):
        seeder("one")(second)


def test_demo_data_refuses_the_production_configuration(empty_registry, database_url):
    app = make_app(database_url, ENV_NAME="production")
    result = app.test_cli_runner().invoke(demo_data_command, ["--rows", "1"])
    assert result.exit_code != 0
    assert "production" in result.output


# --- bench/run.py: the accounts area -----------------------------------------------------------


def test_csrf_token_is_read_from_the_sign_in_form(client):
    html = client.get("/login").get_data(as_text=True)
    assert bench_run.csrf_token(html) == csrf_token_from(html)


@pytest.mark.parametrize(
    ("html", "token"),
    [
        ('<input id="csrf_token" name="csrf_token" type="hidden" value="IjA.b-c_d">', "IjA.b-c_d"),
        ('<input value="first" type="hidden" name="csrf_token">', "first"),
        ('<input name="email" value="x@example.com"><input name="csrf_token" value="t">', "t"),
        ('<input name="email" value="x@example.com">', None),
        ("", None),
    ],
)
def test_csrf_token_takes_the_value_of_the_csrf_input_only(html, token):
    assert bench_run.csrf_token(html) == token


def test_cookie_value_reads_a_secure_host_cookie_by_name():
    headers = [
        "other=1; Path=/",
        "__Host-session=eyJjc3JmIjoiYWJj.Zx9.sig-_; Secure; HttpOnly; Path=/; SameSite=Lax",
    ]
    assert bench_run.cookie_value(headers, "__Host-session") == "eyJjc3JmIjoiYWJj.Zx9.sig-_"
    assert bench_run.cookie_value(headers, "session") is None
    assert bench_run.cookie_value([], "__Host-session") is None
    # Set twice in one response: the browser keeps the last.
    assert bench_run.cookie_value(["session=a; Path=/", "session=b; Path=/"], "session") == "b"


def test_lua_string_escapes_quotes_backslashes_and_non_ascii():
    assert bench_run.lua_string("csrf_token=a.b&email=x%40y") == '"csrf_token=a.b&email=x%40y"'
    assert bench_run.lua_string('a"b\\c\né') == '"a\\034b\\092c\\010\\195\\169"'


def test_wrk_script_sends_the_target_and_counts_other_statuses():
    target = bench_run.Target(
        "POST /login",
        "/login",
        method="POST",
        headers={"Cookie": "__Host-session=abc.def", "Content-Type": bench_run.FORM},
        body="csrf_token=t&email=a%40b.example&password=p",
        expect=302,
    )
    script = bench_run.wrk_script(target)
    assert 'wrk.method = "POST"' in script
    assert 'wrk.body = "csrf_token=t&email=a%40b.example&password=p"' in script
    assert 'wrk.headers["Cookie"] = "__Host-session=abc.def"' in script
    assert 'wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"' in script
    assert "if status ~= 302 then" in script
    assert target.scripted
    assert not bench_run.Target("/", "/").scripted
    assert not bench_run.Target("/account", "/account", headers={"Cookie": "__Host-session=abc.def"}).scripted


WRK_OUTPUT = """Running 5s test @ http://127.0.0.1:8000/login
  2 threads and 8 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   150.00ms   20.00ms 300.00ms   70.00%
  Latency Distribution
     50%  148.00ms
     75%  160.00ms
     90%  175.00ms
     99%    1.20s
  100 requests in 5.00s, 50.00KB read
  Non-2xx or 3xx responses: 2
  Socket errors: connect 0, read 1, write 0, timeout 0
Requests/sec:     20.00
Transfer/sec:     10.00KB
"""


def test_parse_wrk_counts_a_scripts_unexpected_statuses_instead_of_non_2xx():
    plain = bench_run.parse_wrk("/", WRK_OUTPUT)
    assert (plain.requests_per_second, plain.requests, plain.errors) == (20.0, 100, 3)
    assert (plain.p50_ms, plain.p99_ms) == (148.0, 1200.0)
    scripted = bench_run.parse_wrk("POST /login", WRK_OUTPUT + "Unexpected status: 7\n")
    assert scripted.path == "POST /login"
    assert scripted.errors == 7 + 1  # the script's count (which holds the 2) and the socket error


def test_bench_account_is_verified_and_signs_in(app, client):
    with app.app_context():
        bench_run.add_account("bench@example.com", "a long benchmark password")
    response = post_form(
        client, "/login", {"email": "bench@example.com", "password": "a long benchmark password"}
    )
    assert response.status_code == 302
    assert urlsplit(response.location).path == "/account"
    page = client.get("/account").get_data(as_text=True)
    assert "bench@example.com" in page
    assert "Confirm your email address" not in page  # verified: the page asks for nothing


@pytest.fixture
def bench_server(fresh_app: Flask, live_server: str) -> tuple[int, bench_run.Account]:
    """The portal over HTTP with production's cookie (`__Host-session`, Secure) and the run's
    account in its database."""
    fresh_app.config.update(SESSION_COOKIE_NAME="__Host-session", SESSION_COOKIE_SECURE=True)
    with fresh_app.app_context():
        bench_run.add_account(bench_run.BENCH_EMAIL, "a long benchmark password")
    argon2 = {name: fresh_app.config[name] for name in bench_run.ARGON2_SETTINGS}
    account = bench_run.Account(bench_run.BENCH_EMAIL, "a long benchmark password", "__Host-session", argon2)
    return urlsplit(live_server).port, account


def test_sign_in_over_http_gives_targets_that_answer_as_expected(bench_server):
    port, account = bench_server
    signed_in = bench_run.sign_in(port, account)
    assert signed_in.session_cookie != signed_in.form_cookie
    targets = bench_run.account_targets(account, signed_in)
    assert [t.label for t in targets] == ["/account", "POST /login"]
    for target in targets:
        result = bench_run.load_with_python(port, target, 0.3, 2)
        assert result.requests > 0
        assert result.errors == 0, target.label


def test_a_fresh_session_is_the_same_session_renewed(bench_server):
    """Before each page, the session is renewed as "Stay signed in" does, not signed in again (a
    staff sign-in takes an app code, each accepted once)."""
    port, account = bench_server
    [target, _sign_in] = bench_run.account_targets(account, bench_run.sign_in(port, account))
    before = target.headers["Cookie"]
    time.sleep(1.1)  # the renewed cookie carries a later time
    bench_run.fresh_session(port, target)
    assert target.headers["Cookie"] != before
    status, _, body = bench_run.fetch(port, "GET", target.path, target.headers)
    assert status == 200 and account.email.encode() in body


@pytest.mark.skipif(not shutil.which("wrk"), reason="wrk is not installed (apt-get install -y wrk)")
def test_wrk_sends_the_session_and_counts_wrong_statuses(bench_server, database_kind, tmp_path: Path):
    """/account goes with its cookie as a header, the sign-in with a script; both count a status
    other than the expected one as an error."""
    if database_kind != "sqlite":
        pytest.skip("wrk's loads do not depend on the database: they run once, on SQLite")
    port, account = bench_server
    wrk = shutil.which("wrk")
    account_page, sign_ins = bench_run.account_targets(account, bench_run.sign_in(port, account))
    for target in (account_page, sign_ins):
        result = bench_run.load_with_wrk(wrk, port, target, 1, 2, tmp_path)
        assert result.requests > 0
        assert result.errors == 0, target.label
    # Without the cookie /account redirects to sign in, which wrk alone would not count: every
    # response is an error.
    signed_out = bench_run.Target("/account", "/account", headers={"Accept": "text/html"})
    result = bench_run.load_with_wrk(wrk, port, signed_out, 1, 2, tmp_path)
    assert result.requests > 0
    assert result.errors == result.requests


# --- bench/run.py: the organisations area and the officer lists --------------------------------


def test_signed_in_paths_are_never_measured_signed_out():
    everything = bench_run.signed_in_paths(True, True, True)
    assert everything == [
        bench_run.ACCOUNT,
        *bench_run.PROFILE_PAGES,
        *bench_run.ETHICS_PAGES,
        *bench_run.SOCIAL_VALUE_PAGES,
        bench_run.OFFICER_ORGANISATIONS,
        *bench_run.SOCIAL_VALUE_OFFICER_PAGES,
        *bench_run.OFFICER_PAGES,
    ]
    assert bench_run.signed_in_paths(False, False, True) == bench_run.OFFICER_PAGES
    assert bench_run.signed_in_paths(False, False, False) == []
    args = bench_run.parse_args([])
    assert (args.accounts, args.organisation_pages, args.officer_pages) == (True, True, True)
    assert args.rows == 1_000  # the default is unchanged; the staff issue's figure passes 100000
    args = bench_run.parse_args(["--no-officer-pages", "--no-organisation-pages"])
    assert (args.organisation_pages, args.officer_pages) == (False, False)


def result(path: str, rps: float, shell: float = 500.0, minimal: float = 520.0) -> bench_run.Result:
    return bench_run.Result(
        path, rps, 1.0, 2.0, 100, 0, "wrk", round(rps / shell, 3), round(rps / minimal, 3)
    )


def test_verdicts_hold_each_grouped_page_to_the_target_and_summarise_each_group():
    results = [
        result(bench_run.SHELL, 500),
        result("/", 900),
        result("/organisation/profile", 400),
        result("/organisation/profile/check", 299),
        result("/officer/outbox", 300),
        result("/officer/audit", 450),
    ]
    groups = {
        "/organisation/profile": "organisations",
        "/organisation/profile/check": "organisations",
        "/officer/outbox": "staff lists",
        "/officer/audit": "staff lists",
        "/officer/organisations": "organisations",  # not measured: no verdict
    }
    found = bench_run.verdicts(results, groups)
    assert [(v.page, v.group, v.met) for v in found] == [
        ("/organisation/profile", "organisations", True),
        ("/organisation/profile/check", "organisations", False),  # 0.598 of the shell
        ("/officer/outbox", "staff lists", True),  # exactly 0.60
        ("/officer/audit", "staff lists", True),
    ]
    assert found[1].ratio_to_minimal == round(299 / 520, 3)
    assert bench_run.group_summaries(found) == [
        "organisations: each page >= 0.60 x shell: BELOW the target on /organisation/profile/check (0.60)",
        "staff lists: each page >= 0.60 x shell: all 2 meet it; lowest /officer/outbox at 0.60",
    ]


def test_the_opportunities_feed_is_held_to_its_own_target():
    results = [
        result(bench_run.SHELL, 500),
        result("/opportunities.ocds.json", 160),
        result("/opportunities", 290),
    ]
    groups = {"/opportunities.ocds.json": "opportunities feed", "/opportunities": "opportunities"}
    found = bench_run.verdicts(results, groups)
    assert [(v.page, v.target_over_shell, v.met) for v in found] == [
        ("/opportunities.ocds.json", 0.30, True),  # 0.32 of the shell
        ("/opportunities", 0.60, False),  # 0.58
    ]


def test_bench_supplier_has_a_completed_local_profile_and_its_pages_answer(app, client):
    with app.app_context():
        user = bench_run.add_account("bench@example.com", "a long benchmark password")
        bench_run.complete_profile(user)
        org = user.organisation
        assert org.is_registered
        assert org.postcode == "CW7 2UA"
        assert org.local_status.value == "local"
        assert len(org.sites) >= 2 and len(org.accreditations) >= 2 and len(org.divisions) >= 2
    post_form(client, "/login", {"email": "bench@example.com", "password": "a long benchmark password"})
    for path in bench_run.PROFILE_PAGES:
        response = client.get(path)
        assert response.status_code == 200, path
    check = client.get("/organisation/profile/check").get_data(as_text=True)
    assert "Benchmark Supplies Ltd" in check
    assert "CW7 2UA" in check
    assert client.get(bench_run.OFFICER_ORGANISATIONS).status_code == 403  # a supplier


def test_bench_officer_is_staff_without_an_organisation(app, client):
    with app.app_context():
        officer = bench_run.add_account(
            "officer@example.com", "a long benchmark password", "officer", APP_SECRET
        )
        assert officer.is_staff and officer.is_verified and officer.organisation_id is None
    response = post_form(
        client, "/login", {"email": "officer@example.com", "password": "a long benchmark password"}
    )
    assert response.location == bench_run.CODE_PAGE  # staff sign in with their app's code too
    response = post_form(client, bench_run.CODE_PAGE, {"code": app_code(app, "officer@example.com")})
    assert urlsplit(response.location).path.startswith("/officer")
    for path in [bench_run.OFFICER_ORGANISATIONS, *bench_run.OFFICER_PAGES]:
        assert client.get(path).status_code == 200, path
    assert client.get("/organisation/profile").status_code == 403  # staff have no organisation


def test_organisations_seeder_writes_complete_organisations(fresh_app):
    from portal.demo.organisations import seed_organisations
    from portal.organisations.models import Organisation
    from portal.organisations.steps import steps_for

    with fresh_app.app_context():
        written = seed_organisations(40, demo.seeder_rng(0, "organisations"))
        again = seed_organisations(40, demo.seeder_rng(0, "organisations"))  # no clash
        organisations = db.session.scalars(select(Organisation).order_by(Organisation.id)).all()
        assert len(organisations) == 80
        assert written == again > 40  # the organisations and their sites, accreditations, divisions
        registered = [org for org in organisations if org.is_registered]
        assert registered
        for org in registered:
            assert all(step.done(org) for step in steps_for(org)), org.name
            assert org.registered_at <= utcnow()  # never in the future
        assert {org.local_status.value for org in organisations} == {"local", "declared", "not_local"}
        db.session.remove()


def test_officer_and_profile_targets_answer_over_http(bench_server, fresh_app):
    port, supplier = bench_server
    with fresh_app.app_context():
        user = db.session.scalar(select(User).where(User.email == supplier.email))
        bench_run.complete_profile(user)
        bench_run.add_account(bench_run.OFFICER_EMAIL, "a long benchmark password", "officer", APP_SECRET)
        db.session.remove()
    officer = bench_run.Account(
        bench_run.OFFICER_EMAIL,
        "a long benchmark password",
        supplier.cookie_name,
        supplier.argon2,
        APP_SECRET,
    )
    targets = bench_run.signed_in_targets(
        port, supplier, officer, accounts=False, organisation_pages=True, officer_pages=True
    )
    assert [t.label for t in targets] == [
        *bench_run.PROFILE_PAGES,
        *bench_run.ETHICS_PAGES,
        *bench_run.SOCIAL_VALUE_PAGES,
        bench_run.OFFICER_ORGANISATIONS,
        *bench_run.SOCIAL_VALUE_OFFICER_PAGES,
        *bench_run.OFFICER_PAGES,
    ]
    assert {t.group for t in targets} == {"organisations", "code of ethics", "social value", "staff lists"}
    for target in targets:
        status, _, body = bench_run.fetch(port, target.method, target.path, target.headers)
        assert status == target.expect, (target.label, body[:300])
    assert bench_run.settle(port, 2) < 1  # an idle server: one quick burst


def measured(path: str, rps: float, p99: float = 10.0) -> bench_run.Result:
    return bench_run.Result(path, rps, 1.0, p99, int(rps), 0, "wrk")


def test_each_page_is_measured_right_after_the_shell_and_carries_its_figures():
    loads: list[str] = []
    shell_rates = iter([1000.0, 500.0, 2000.0, 800.0])

    def measure(target: bench_run.Target) -> bench_run.Result:
        loads.append(target.label)
        if target.label == bench_run.SHELL:
            return measured(bench_run.SHELL, next(shell_rates), p99=4.0)
        return measured(target.label, 300.0, p99=12.0)

    pages = [
        bench_run.Target(bench_run.SHELL, bench_run.SHELL),
        bench_run.Target("/a", "/a"),
        bench_run.Target("/b", "/b"),
    ]
    rounds = bench_run.measure_rounds(lambda number: pages, 2, measure)
    # The shell before each page; the shell's own target is not loaded again.
    assert loads == [bench_run.SHELL, "/a", bench_run.SHELL, "/b"] * 2
    assert [r.paired_shell_rps for r in rounds["/a"]] == [1000.0, 2000.0]
    assert [r.paired_shell_rps for r in rounds["/b"]] == [500.0, 800.0]
    assert len(rounds[bench_run.SHELL]) == 4


def test_a_pages_ratio_is_the_median_of_its_paired_ratios_with_their_spread():
    # The machine slows and speeds up between rounds; the page keeps to 0.6 of its shell, which
    # the medians of the rounds taken apart (600 / 1000) would not show.
    rounds = []
    for shell, page in ((1000.0, 600.0), (500.0, 300.0), (2000.0, 1200.0), (400.0, 200.0), (1000.0, 700.0)):
        one = measured("/page", page, p99=30.0)
        one.paired_shell_rps, one.paired_shell_p99_ms = shell, 10.0
        rounds.append(one)
    summary = bench_run.summarise_pairs(rounds)
    assert summary.ratio_to_shell == 0.6
    assert summary.ratio_spread == (0.5, 0.7)
    assert summary.p99_over_shell == 3.0


def test_anchors_ratios_come_from_the_pairs():
    shell = bench_run.summarise_pairs([measured(bench_run.SHELL, 1000.0), measured(bench_run.SHELL, 900.0)])
    minimal = measured(bench_run.MINIMAL, 1500.0)
    minimal.paired_shell_rps = 1000.0
    page = measured("/page", 500.0)
    page.paired_shell_rps = 1000.0
    outcome = bench_run.Run("now", "sqlite", 2, 2, 5, 8, 1000, 1000, "wrk")
    outcome.results = [shell, bench_run.summarise_pairs([minimal]), bench_run.summarise_pairs([page])]
    bench_run.add_ratios(outcome)
    assert [r.ratio_to_shell for r in outcome.results] == [1.0, 1.5, 0.5]
    assert outcome.shell_over_minimal == round(1 / 1.5, 3)


def test_a_pages_share_of_hello_is_its_paired_ratio_over_hellos():
    # Hello served 4 times the shell and the content page 1.2 times: the page serves 30% of hello.
    results = []
    for path, rate in ((bench_run.SHELL, 1000.0), (bench_run.MINIMAL, 1500.0), (bench_run.HELLO, 4000.0)):
        one = measured(path, rate)
        one.paired_shell_rps = None if path == bench_run.SHELL else 1000.0
        results.append(one)
    for path, rate in (("/accessibility", 1200.0), ("/register", 100.0)):
        one = measured(path, rate)
        one.paired_shell_rps = 1000.0
        results.append(one)
    outcome = bench_run.Run("now", "sqlite", 2, 2, 5, 8, 1000, 1000, "wrk")
    outcome.results = [bench_run.summarise_pairs([r]) for r in results]
    bench_run.add_ratios(outcome)
    shares = {r.path: r.share_of_hello for r in outcome.results}
    assert shares["/accessibility"] == 0.3
    assert shares["/register"] == 0.025
    assert bench_run.hello_summaries(outcome.results) == [
        "beside hello: /accessibility = 30.0% (meets the target of 26%)",
        "beside hello: /register = 2.5% (BELOW the target of 12%)",
    ]


def test_without_hello_no_page_has_a_share():
    page = measured("/accessibility", 500.0)
    page.paired_shell_rps = 1000.0
    outcome = bench_run.Run("now", "sqlite", 2, 2, 5, 8, 1000, 1000, "wrk")
    outcome.results = [
        bench_run.summarise_pairs([measured(bench_run.SHELL, 1000.0)]),
        bench_run.summarise_pairs([measured(bench_run.MINIMAL, 1500.0)]),
        bench_run.summarise_pairs([page]),
    ]
    bench_run.add_ratios(outcome)
    assert [r.share_of_hello for r in outcome.results] == [None, None, None]
    assert bench_run.hello_summaries(outcome.results) == []


def test_the_hello_app_answers_hello_and_its_health(tmp_path):
    with bench_run.hello_server(True, 1, tmp_path) as port:
        assert bench_run.get(port, "/") == (200, b"Hello, World!")
        assert bench_run.get(port, "/healthz")[0] == 200
    with bench_run.hello_server(False, 1, tmp_path) as port:
        assert port is None
