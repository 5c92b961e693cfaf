"""The public directory: search, filter by area, find the body for a postcode, each entry's page."""

from __future__ import annotations

from collections.abc import Iterable

from flask import abort, render_template, request
from flask_login import current_user
from sqlalchemy import Row

from portal.accounts.access import public
from portal.database import Plan
from portal.extensions import db
from portal.forms import bind_filters
from portal.pagination import newest_first
from portal.time import long_date
from portal.voluntary import bp, officer_bp, services
from portal.voluntary.forms import DirectorySearchForm, PostcodeForm
from portal.voluntary.models import AREAS, NEED_KIND_NAMES, DirectoryEntry


@bp.get("/")
@public
def directory():
    form, chosen = bind_filters(DirectorySearchForm)
    query, values = services.directory_rows(chosen["q"], chosen["area"])
    page = newest_first(query, DirectoryEntry.id, params=values, plain=True, plan=Plan.searching(chosen["q"]))
    postcode_form = PostcodeForm(request.args if "postcode" in request.args else None)
    found = _bodies_near(postcode_form)
    return render_template(
        "voluntary/directory.html",
        search_form=form,
        postcode_form=postcode_form,
        form=postcode_form if postcode_form.errors else form,  # the one whose errors are summarised
        found=found,
        page=page,
    )


def _bodies_near(postcode_form: PostcodeForm) -> services.PostcodeBodies | None:
    """The bodies serving the postcode searched for, if one was; None (with the field's error)
    for a postcode that is not real."""
    if "postcode" not in request.args or not postcode_form.validate():
        return None
    found = services.bodies_for_postcode(postcode_form.postcode.data)
    if found.answer.postcode is None:
        postcode_form.postcode.errors.append("Enter a real postcode, like CW7 2UA")
        return None
    return found


@bp.context_processor
@officer_bp.context_processor
def page_words() -> dict[str, object]:
    """What the directory's and the needs board's pages, public and officers', write areas and
    kinds of help with."""
    return {"areas": AREAS, "kinds": NEED_KIND_NAMES}


# A global, not a context variable: the contact macros that write phone numbers then need no
# import with context, which ran their template again on every page.
bp.add_app_template_global(services.tel_link, "tel_link")


@bp.app_template_global()
def area_names(codes: Iterable[str]) -> str:
    """The names of the areas whose codes are given, in the order of AREAS. A function rather than
    a macro: lists call it for every row, and a macro call cost more than the rest of the row."""
    served = set(codes)
    return ", ".join(name for code, name in AREAS.items() if code in served)


@bp.app_template_global()
def entry_provenance(entry: DirectoryEntry | Row) -> str:
    """Where an entry's details come from, for the public and for officers (see area_names)."""
    checked = (
        f"checked by the procurement unit on {long_date(entry.checked_on)}."
        if entry.checked_on
        else "not yet checked by the procurement unit."
    )
    return f"Details from {entry.source}; {checked}"


@bp.get("/<int:entry_id>")
@public
def entry(entry_id: int):
    shown = db.get_or_404(DirectoryEntry, entry_id)
    if shown.retired_at is not None and not (current_user.is_authenticated and current_user.is_staff):
        abort(404)
    return render_template("voluntary/entry.html", entry=shown)
