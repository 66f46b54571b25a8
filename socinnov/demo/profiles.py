"""The latent traits of each demo dossier, drawn before any table is written.

About one dossier in twelve breaks one or two eligibility rules of the call
(:data:`INELIGIBILITY_CASES`); the others look eligible. The traits drive every later table:
the dossier's text, its partners and budget, its ratings, the decision and the follow-up.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from socinnov.demo import content
from socinnov.demo.drawing import pick, weighted

__all__ = ["INELIGIBILITY_CASES", "Profile", "draw_profiles"]

INELIGIBILITY_CASES = (
    "hors_region",
    "personne_physique",
    "aide_anterieure",
    "montant_excessif",
    "depot_tardif",
    "partenaire_unique",
    "mise_sur_le_marche",
    "commercialisation",
    "duree_excessive",
    "hors_region_et_montant",
)
"""Each breaks one or two rules of the call; in the order they are drawn: a small cohort gets the first ones."""


@dataclass
class Profile:
    """What the generator knows of a dossier before writing it: its latent traits.

    ``quality`` holds the latent quality of each acceptability dimension (Portage, Contenu,
    Contexte), ``feasibility`` the latent feasibility; ``case`` names the eligibility rule(s)
    the dossier breaks, if any. ``extra`` collects what is drawn while writing the dossier and
    read by the later tables: ``requested``, ``total``, ``start``, ``end``, ``months``,
    ``partner_types``, ``long_summary``, and for two funded experiments ``late_report`` and
    ``underspent``.
    """

    dossier_id: str
    theme: content.Theme
    departement: str
    territory: str
    commune: str
    legal_category: str
    stage: str
    market: bool
    n_partners: int
    research: bool
    quality: dict[str, float]
    feasibility: float
    case: str | None = None
    extra: dict = field(default_factory=dict)

    @property
    def eligible(self) -> bool:
        return self.case is None


def _draw_profile(rng: np.random.Generator, index: int) -> Profile:
    """Draw the latent traits of one (eligible-looking) dossier."""
    theme = pick(rng, content.THEMES)
    departement = weighted(rng, content.PLACES["departement_weights"])
    place = pick(rng, content.TERRITORIES[departement])
    legal_category = weighted(rng, content.DOSSIERS["legal_category_weights"])
    market = legal_category == "entreprise" or (
        legal_category in ("association", "collectif d'usagers doté de la personnalité morale")
        and rng.random() < theme.market * 0.4
    )
    n_partners = int(rng.choice([2, 3, 4, 5, 6], p=[0.2, 0.3, 0.25, 0.15, 0.1]))
    research = bool(rng.random() < 0.36)
    general = rng.normal()
    quality = {
        "portage": 0.65 * general + 0.75 * rng.normal() + 0.18 * (n_partners - 3.5),
        "contenu": 0.65 * general + 0.75 * rng.normal(),
        "contexte": 0.65 * general + 0.75 * rng.normal() + 0.25 * research,
    }
    return Profile(
        dossier_id=f"AMI16-{index + 1:03d}", theme=theme, departement=departement,
        territory=place.name, commune=pick(rng, place.communes), legal_category=legal_category,
        stage=weighted(rng, content.DOSSIERS["stage_weights"]), market=bool(market), n_partners=n_partners,
        research=research, quality=quality, feasibility=0.5 * general + 0.85 * rng.normal(),
    )


def _apply_case(rng: np.random.Generator, profile: Profile, case: str) -> None:
    """Make a profile break the rule(s) of ``case``."""
    profile.case = case
    if case in ("hors_region", "hors_region_et_montant"):
        profile.departement = "75" if case == "hors_region" else "31"
        place = content.OUT_OF_REGION[profile.departement]
        profile.territory, profile.commune = place.name, place.communes[0]
        profile.legal_category, profile.market = "association", False
    elif case == "personne_physique":
        profile.legal_category = "personne physique"
        profile.market = False
    elif case == "aide_anterieure":
        profile.departement = pick(rng, ("87", "19", "23"))  # the former Limousin region
        place = pick(rng, content.TERRITORIES[profile.departement])
        profile.territory, profile.commune = place.name, pick(rng, place.communes)
    elif case == "partenaire_unique":
        profile.n_partners = 1
        profile.research = False
    elif case in ("mise_sur_le_marche", "commercialisation"):
        profile.legal_category = "entreprise"
        profile.market = True


def draw_profiles(rng: np.random.Generator, n_dossiers: int) -> list[Profile]:
    """Latent traits of every dossier, about one in twelve breaking eligibility rules."""
    profiles = [_draw_profile(rng, i) for i in range(n_dossiers)]
    n_cases = min(len(INELIGIBILITY_CASES), max(3, round(n_dossiers / 12)))
    chosen = rng.choice(n_dossiers, size=n_cases, replace=False)
    for case, index in zip(INELIGIBILITY_CASES, sorted(int(i) for i in chosen)):
        _apply_case(rng, profiles[index], case)
    long_ones = rng.choice(n_dossiers, size=2, replace=False)
    for index in long_ones:
        profiles[int(index)].extra["long_summary"] = True
    return profiles
