"""The service navigation under the header: the sections a visitor, a supplier or staff use, with
the one the page is in marked. An error page, which never loads the account, shows a visitor's."""

from __future__ import annotations

from typing import NamedTuple

from flask import Flask, request
from flask_login import current_user

from portal.urls import url_for


class Section(NamedTuple):
    label: str
    endpoint: str  # its first page; the section is every path under `prefix`
    prefix: str


class Link(NamedTuple):
    label: str
    href: str
    current: bool


PUBLIC = (
    Section("Opportunities", "opportunities.opportunities", "/opportunities"),
    Section("Social value", "social_value.matrix", "/social-value"),
    Section("Voluntary sector", "voluntary.directory", "/voluntary-sector"),
    Section("Code of Ethics", "ethics.code", "/code-of-ethics"),
)
SUPPLIER = (*PUBLIC, Section("Your organisation", "organisations.profile", "/organisation"))
STAFF = (
    Section("Workspace", "officers.home", "/officer"),  # and any staff page no other section has
    Section("Organisations", "organisations_officers.organisations", "/officer/organisations"),
    Section("Offers", "social_value_officers.offers_queue", "/officer/offers"),
    Section("Opportunities", "opportunities_officers.opportunities", "/officer/opportunities"),
    Section("Needs", "voluntary_officers.needs_queue", "/officer/needs"),
    Section("Pledges", "ethics_officers.pledges", "/officer/pledges"),
    Section("Due diligence", "due_diligence_officers.due_diligence", "/officer/due-diligence"),
    Section("Audit log", "officers.audit", "/officer/audit"),
)


def sections() -> tuple[Section, ...]:
    """Staff's set, a member's (with their organisation), or a visitor's."""
    if not current_user.is_authenticated:
        return PUBLIC
    return STAFF if current_user.is_staff else SUPPLIER


def navigation() -> list[Link]:
    """The sections' links, the one whose prefix is the longest to start this page's path marked."""
    shown = sections()
    path = request.path
    inside = [section for section in shown if path == section.prefix or path.startswith(section.prefix + "/")]
    current = max(inside, key=lambda section: len(section.prefix), default=None)
    return [Link(section.label, url_for(section.endpoint), section is current) for section in shown]


def init_navigation(app: Flask) -> None:
    app.jinja_env.globals["navigation"] = navigation
