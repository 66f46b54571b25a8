"""The three audiences of the reports: who they are, what they may see, how their files are marked.

One definition, used by the store (what a notebook receives), the ``socinnov`` command (its
``--audience`` choices), the report build (labels, PDF notes, the order of the index) and every
place that keeps something for the jury alone (debate and trajectory sheets, the open dataset
built from the complete data).

- ``jury``: the call's jury. Everything, dossiers and porteurs named; its files must stay within
  the jury (the call promises the dossiers' confidentiality).
- ``comite``: the technical committee. Row-level tables without free text nor identifying
  columns, quasi-identifiers coarsened, dossiers and jurors under keyed pseudonyms; restricted
  circulation.
- ``public``: anyone. Aggregates under disclosure control only (a ``PublicCohort``), and the
  laureates once the comité d'élu-e-s has voted.
"""

from __future__ import annotations

from dataclasses import dataclass

from socinnov.errors import UserError

__all__ = ["AUDIENCES", "COMMITTEE", "IDS", "JURY", "PUBLIC", "Audience", "AudienceError", "check_audience",
           "definition"]


@dataclass(frozen=True)
class Audience:
    id: str  # as written in notebooks' metadata, folder names and ``--audience``
    label: str  # French, for the index and the report's masthead
    recipients: str  # French: who may receive its files
    pdf_note: str  # French footer of every PDF page ("" for none)
    named: bool  # dossiers and porteurs appear by name, with free text
    row_level: bool  # receives row-level tables (else aggregates only)


JURY = "jury"
COMMITTEE = "comite"
PUBLIC = "public"

AUDIENCES = (  # in the order of the index
    Audience(JURY, "Jury (nominatif, confidentiel)", "les membres du jury de l'appel",
             "Confidentiel : document nominatif réservé au jury de l'appel", named=True, row_level=True),
    Audience(COMMITTEE, "Comité technique (pseudonymisé)", "les membres du comité technique",
             "Diffusion restreinte : comité technique (données pseudonymisées)", named=False, row_level=True),
    Audience(PUBLIC, "Public (agrégats seulement)", "tout public", "", named=False, row_level=False),
)
IDS = tuple(a.id for a in AUDIENCES)
_BY_ID = {a.id: a for a in AUDIENCES}


class AudienceError(UserError, ValueError):
    """An audience that is not one of :data:`AUDIENCES`."""

    hint = f"publics permis : {', '.join(IDS)}"


def definition(audience_id: str) -> Audience:
    """The definition of ``audience_id``; :class:`AudienceError` for an unknown one.

    >>> definition("comite").named
    False
    """
    try:
        return _BY_ID[audience_id]
    except (KeyError, TypeError):
        raise AudienceError(f"public inconnu « {audience_id} »") from None


def check_audience(audience_id: str) -> str:
    """``audience_id`` if it is a known audience; else :class:`AudienceError`."""
    return definition(audience_id).id
