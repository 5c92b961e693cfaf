"""Extensions, created unbound and bound to the app in `create_app`."""

import enum
from datetime import datetime
from typing import Annotated, Any

import sqlalchemy as sa
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_mail import Mail
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase, mapped_column

from portal.time import UTCDateTime, utcnow

# Named constraints, so migrations can alter them on SQLite (batch mode) and PostgreSQL alike.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    # Every `Mapped[datetime]` column is a timezone-aware UTC time, so none can be declared naive.
    # The map is given to the registry, not as the base's `type_annotation_map`, which
    # Flask-SQLAlchemy's subclass of the base refuses (pallets-eco/flask-sqlalchemy#1361).
    registry = sa.orm.registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: UTCDateTime()},
    )


# A time the row is stamped with when it is written, unless the writer gives one: `created_at`,
# `signed_at` and the like (`Mapped[Timestamp]`).
Timestamp = Annotated[datetime, mapped_column(default=utcnow)]


def str_enum(cls: type[enum.StrEnum], name: str, length: int = 20) -> sa.Enum:
    """An enum column stored as its plain string values with a CHECK constraint: readable in
    SQL and the same on both databases."""
    return sa.Enum(
        cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=length,
        values_callable=lambda members: [member.value for member in members],
    )


db = SQLAlchemy(model_class=Base)
migrate = Migrate(render_as_batch=True, compare_type=True)
csrf = CSRFProtect()
mail = Mail()
login_manager = LoginManager()
# Storage from RATELIMIT_STORAGE_URI; the client address is the proxy's X-Forwarded-For only when
# TRUSTED_PROXY_COUNT says a proxy is there (ProxyFix in the factory).
limiter = Limiter(get_remote_address)


def link_table(name: str, *, owner: tuple[str, str], linked: tuple[str, Any], index: str) -> sa.Table:
    """A many-to-many table: `owner`, its column and the key it references, whose links go when
    it goes; `linked`, its column and that column's foreign key or type. The two make the primary
    key, and the index `index` leads with the linked column, to find the owners of one."""
    owner_column = sa.Column(owner[0], sa.ForeignKey(owner[1], ondelete="CASCADE"), primary_key=True)
    linked_column = sa.Column(linked[0], linked[1], primary_key=True)
    return sa.Table(
        name, db.metadata, owner_column, linked_column, sa.Index(index, linked_column.name, owner_column.name)
    )
