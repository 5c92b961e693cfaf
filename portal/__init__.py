"""The Cheshire Supplier Portal: application factory."""

from __future__ import annotations

import logging
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader
from werkzeug.middleware.proxy_fix import ProxyFix

from config import Config, load_config
from portal.accounts.access import init_access
from portal.accounts.sessions import init_sessions
from portal.database import RowIdConverter, init_database
from portal.errors import init_errors
from portal.extensions import csrf, db, limiter, login_manager, mail, migrate
from portal.forms import init_forms
from portal.pages.facts import load_force_facts
from portal.security import init_security
from portal.time import london_datetime, spoken_duration

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: str | Config | None = None, **overrides) -> Flask:
    """Build the portal. `config` names a settings class (default from PORTAL_CONFIG)."""
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(ROOT / "instance"),
    )
    settings = config if isinstance(config, Config) else load_config(config)
    app.config.from_object(settings)
    app.config.update(overrides)
    # External URLs (email links) come from BASE_URL, in a request or not.
    base = urlsplit(app.config["BASE_URL"])
    app.config["SERVER_NAME"] = base.netloc
    app.config["PREFERRED_URL_SCHEME"] = base.scheme

    register_templates(app)
    register_extensions(app)
    app.url_map.converters["int"] = RowIdConverter  # before any route is added
    register_blueprints(app)
    register_commands(app)
    init_sessions(app)
    init_access(app)
    init_security(app)
    init_errors(app)
    configure_logging(app)
    return app


def register_templates(app: Flask) -> None:
    app.jinja_loader = ChoiceLoader(
        [
            FileSystemLoader(app.template_folder),
            PrefixLoader(
                {
                    "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja"),
                    "govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf"),
                }
            ),
        ]
    )
    init_forms(app)
    app.jinja_env.filters["london_datetime"] = london_datetime
    app.jinja_env.filters["spoken_duration"] = spoken_duration
    app.jinja_env.globals["facts"] = load_force_facts(app.config["FORCE_FACTS_FILE"])


def register_extensions(app: Flask) -> None:
    import portal.models  # noqa: F401  (every table on the metadata before anything queries)

    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        # A restarted server costs one failed ping, not a traceback on the next request.
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {"pool_pre_ping": True, "pool_recycle": 1800}
    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    csrf.init_app(app)
    mail.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = "Sign in to see this page."
    login_manager.login_message_category = "info"
    if app.config["TRUSTED_PROXY_COUNT"]:
        proxies = app.config["TRUSTED_PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)
    init_database(app)


def register_blueprints(app: Flask) -> None:
    from portal import (
        accounts,
        due_diligence,
        ethics,
        officers,
        opportunities,
        organisations,
        pages,
        quotations,
        social_value,
        voluntary,
    )

    for blueprint in (
        pages.bp,
        accounts.bp,
        officers.bp,
        organisations.bp,
        organisations.officer_bp,
        due_diligence.bp,
        due_diligence.officer_bp,
        ethics.bp,
        ethics.officer_bp,
        voluntary.bp,
        voluntary.officer_bp,
        social_value.bp,
        social_value.officer_bp,
        opportunities.bp,
        opportunities.officer_bp,
        quotations.officer_bp,
    ):
        app.register_blueprint(blueprint)

    if app.config.get("BENCHMARK_ANCHORS"):
        from portal.bench import bp as bench_bp

        app.register_blueprint(bench_bp)


def register_commands(app: Flask) -> None:
    import portal.ethics.seed
    import portal.organisations.reminders  # registers its daily tasks
    import portal.postcodes.seed
    import portal.reference.seed
    import portal.social_value.seed
    import portal.voluntary.seed  # noqa: F401  (registers its seed steps)
    from portal.accounts.cli import users_cli
    from portal.demo import demo_data_command
    from portal.ethics.cli import ethics_cli
    from portal.jobs import jobs_cli
    from portal.outbox.cli import outbox_cli
    from portal.postcodes.cli import postcodes_cli
    from portal.seed import seed_command

    app.cli.add_command(demo_data_command)
    app.cli.add_command(ethics_cli)
    app.cli.add_command(jobs_cli)
    app.cli.add_command(outbox_cli)
    app.cli.add_command(postcodes_cli)
    app.cli.add_command(seed_command)
    app.cli.add_command(users_cli)


def configure_logging(app: Flask) -> None:
    if not app.debug and not app.testing:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
