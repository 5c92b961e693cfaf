"""The Cheshire Supplier Portal: application factory."""

from __future__ import annotations

import logging
from pathlib import Path

from flask import Flask
from govuk_frontend_wtf.main import WTFormsHelpers
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader

from config import Config, load_config
from portal.database import init_database
from portal.errors import init_errors
from portal.extensions import csrf, db, migrate
from portal.pages.facts import load_force_facts
from portal.security import init_security

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

    register_templates(app)
    register_extensions(app)
    register_blueprints(app)
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
    WTFormsHelpers(app)
    app.jinja_env.globals["facts"] = load_force_facts(app.config["FORCE_FACTS_FILE"])


def register_extensions(app: Flask) -> None:
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        # A restarted server costs one failed ping, not a traceback on the next request.
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {"pool_pre_ping": True, "pool_recycle": 1800}
    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    csrf.init_app(app)
    init_database(app, db)


def register_blueprints(app: Flask) -> None:
    from portal.pages import bp as pages_bp

    app.register_blueprint(pages_bp)


def configure_logging(app: Flask) -> None:
    if not app.debug and not app.testing:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
