"""The Cheshire Supplier Portal: application factory."""

from __future__ import annotations

import importlib
from pathlib import Path
from urllib.parse import urlsplit

import click
from flask import Blueprint, Flask
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader
from werkzeug.middleware.proxy_fix import ProxyFix

from config import Config, load_config
from portal.accounts.access import init_access
from portal.accounts.sessions import init_sessions
from portal.assets import init_assets
from portal.database import RowIdConverter, init_database, postgresql_engine_options
from portal.errors import init_errors
from portal.extensions import csrf, db, limiter, login_manager, mail, migrate
from portal.formats import init_formats
from portal.forms import init_forms
from portal.navigation import init_navigation
from portal.pages.facts import load_force_facts
from portal.security import init_security, static_headers
from portal.templating import Environment
from portal.tracing import configure_logging, init_request_ids
from portal.urls import init_urls

ROOT = Path(__file__).resolve().parent.parent
# Templates, static files and the instance folder sit beside the package.
FOLDERS = {
    "template_folder": str(ROOT / "templates"),
    "static_folder": str(ROOT / "static"),
    "instance_path": str(ROOT / "instance"),
}
# The templates of the GOV.UK libraries, under their packages' names.
LIBRARY_TEMPLATES = {
    "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja"),
    "govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf"),
}
# The areas, in the order their blueprints are registered (imported as the app is built).
AREAS = (
    "pages",
    "accounts",
    "officers",
    "home",
    "organisations",
    "due_diligence",
    "ethics",
    "voluntary",
    "social_value",
    "opportunities",
    "quotations",
)


def create_app(config: str | Config | None = None, **overrides) -> Flask:
    """Build the portal. `config` names a settings class (default from PORTAL_CONFIG)."""
    app = Flask(__name__, **FOLDERS)
    app.jinja_environment = Environment
    configure(app, config if isinstance(config, Config) else load_config(config), overrides)
    register_templates(app)
    register_extensions(app)
    register_blueprints(app)
    register_commands(app)
    register_request_hooks(app)
    # Static files are answered before the app sees the request: no session, no hooks.
    init_assets(app, static_headers(hsts=app.config["HSTS"]))
    configure_logging(app)
    return app


def configure(app: Flask, settings: Config, overrides: dict) -> None:
    app.config.from_object(settings)
    app.config.update(overrides)
    # External URLs (email links) come from BASE_URL, in a request or not.
    base = urlsplit(app.config["BASE_URL"])
    app.config["SERVER_NAME"] = base.netloc
    app.config["PREFERRED_URL_SCHEME"] = base.scheme


def register_templates(app: Flask) -> None:
    app.jinja_loader = ChoiceLoader([FileSystemLoader(app.template_folder), PrefixLoader(LIBRARY_TEMPLATES)])
    init_forms(app)
    init_formats(app)
    app.jinja_env.globals["facts"] = load_force_facts(app.config["FORCE_FACTS_FILE"])
    init_urls(app)
    init_navigation(app)


def register_extensions(app: Flask) -> None:
    import portal.models  # noqa: F401  (every table on the metadata before anything queries)

    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = postgresql_engine_options()
    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    csrf.init_app(app)
    mail.init_app(app)
    limiter.init_app(app)
    init_login(app)
    trust_proxies(app)
    init_database(app)


def init_login(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = "Sign in to see this page."
    login_manager.login_message_category = "info"


def trust_proxies(app: Flask) -> None:
    """Read the client's address and scheme from the headers of the proxies in front, if any."""
    if proxies := app.config["TRUSTED_PROXY_COUNT"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)


def register_blueprints(app: Flask) -> None:
    app.url_map.converters["int"] = RowIdConverter  # before any route is added
    for blueprint in area_blueprints():
        app.register_blueprint(blueprint)
    if app.config.get("BENCHMARK_ANCHORS"):
        app.register_blueprint(importlib.import_module("portal.bench").bp)


def area_blueprints() -> list[Blueprint]:
    """Each area's `bp` (its public or suppliers' pages) then its `officer_bp` (its staff pages),
    where it has them, area by area in the order of AREAS."""
    areas = [importlib.import_module(f"portal.{name}") for name in AREAS]
    return [getattr(area, name) for area in areas for name in ("bp", "officer_bp") if hasattr(area, name)]


def register_commands(app: Flask) -> None:
    import_registering_modules()
    for command in (*area_commands(), *portal_commands()):
        app.cli.add_command(command)


def import_registering_modules() -> None:
    import portal.ethics.seed
    import portal.organisations.reminders  # registers its daily tasks
    import portal.postcodes.seed
    import portal.reference.seed
    import portal.social_value.seed
    import portal.voluntary.seed  # noqa: F401  (registers its seed steps)


def area_commands() -> list[click.Command]:
    """The command groups of the areas and infrastructure packages that have their own."""
    from portal.accounts.cli import users_cli
    from portal.ethics.cli import ethics_cli
    from portal.outbox.cli import outbox_cli
    from portal.postcodes.cli import postcodes_cli

    return [ethics_cli, outbox_cli, postcodes_cli, users_cli]


def portal_commands() -> list[click.Command]:
    """The commands over the whole portal: demo data, the daily jobs, the seed."""
    from portal.demo import demo_data_command
    from portal.jobs import jobs_cli
    from portal.seed import seed_command

    return [demo_data_command, jobs_cli, seed_command]


def register_request_hooks(app: Flask) -> None:
    """What runs around each request: security headers and input checks, request ids, sessions, who
    may see a page, error pages."""
    # Input that is not UTF-8 is refused before anything reads the session (or the database).
    init_security(app)
    init_request_ids(app)
    init_sessions(app)
    init_access(app)
    init_errors(app)
