"""What the ``public`` audience may see: aggregates under disclosure control, and laureates.

A report built for the public receives a :class:`PublicCohort`, never row-level tables: every
method returns an aggregate already protected by ``socinnov.privacy.disclosure`` (small cells and
dominated amounts suppressed, with secondary suppression against the totals). The one
exception is the list of laureates, which the region may publish once the comité d'élu-e-s
has validated the jury's decision — their structure, title, département and amount; anything
more (résumé, objectifs, publics) only for the porteurs who consented (``publication_consent``),
and only their own words: a sentence naming a third party is held back (``socinnov.privacy.consent``).
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from socinnov import fr
from socinnov.analysis import overview
from socinnov.call import report_plans
from socinnov.call import vocabulary as voc
from socinnov.call.grids import ACCEPTABILITY, Grid, load_grid
from socinnov.call.settings import Call, call_from_dict
from socinnov.call.vocabulary import FUNDED, INDIVIDUAL
from socinnov.privacy import audiences, consent, disclosure
from socinnov.privacy.published import DECISION_LABELS, legal_group


class _ValidatedDecisions(Mapping):
    """The jury-level tables with only the decisions the comité d'élu-e-s validated: a pending
    decision is invisible in every public aggregate (« sans décision »), not « secret »."""

    def __init__(self, tables):
        self._tables = tables

    def __getitem__(self, name: str) -> pd.DataFrame:
        df = self._tables[name]
        return df[df["validated"].astype(bool)] if name == "decisions" else df

    def __iter__(self):
        return iter(self._tables)

    def __len__(self) -> int:
        return len(self._tables)


class PublicCohort:
    """Aggregates of a cohort for the public; built from the jury-level tables, which it keeps
    private (``_tables``) and never returns."""

    audience = audiences.PUBLIC

    def __init__(self, name: str, manifest: dict, tables: dict[str, pd.DataFrame], *,
                 min_count: int = disclosure.MIN_COUNT):
        self.name = name
        self.manifest = manifest
        self.min_count = min_count
        self._all_tables = tables
        self._tables = tables = _ValidatedDecisions(tables)
        self._linked_tables = None
        self._joint = None
        self._consented = None
        self._d = overview.with_decision(tables).assign(
            decision=lambda d: d["decision"].map(DECISION_LABELS).fillna(d["decision"]),
            legal_group=lambda d: d["legal_category"].map(legal_group),
        )

    def __repr__(self) -> str:
        return f"PublicCohort({self.name!r}, seuil={self.min_count})"

    def available(self) -> frozenset[str]:
        """What the cohort's tables hold (``socinnov.call.report_plans.available``): which sections a
        public report can draw; says nothing about any dossier."""
        return report_plans.available(self._tables)

    @property
    def call(self) -> Call:
        return call_from_dict(self.manifest["call"])

    def grid(self, grid_id: str = ACCEPTABILITY) -> Grid:
        return load_grid(grid_id, self.call.grid_versions[grid_id])

    def funnel(self) -> pd.DataFrame:
        """The call's funnel; a small step is suppressed with its complement (retenus = financés + réorientés)."""
        return self._jointly("funnel", self._funnel())

    def _funnel(self) -> pd.DataFrame:
        f = overview.funnel(self._tables).drop(columns="Part des dépôts")
        n = dict(zip(f["Étape"], f["Dossiers"]))
        small = {k for k, v in n.items() if 0 < v < self.min_count}
        if small & {"Retenus - financés", "Retenus - réorientés"}:
            small |= {"Retenus - financés", "Retenus - réorientés"}
        # the ineligible ones it implies (no such step while eligibility cannot be verified)
        if "Éligibles" in n and 0 < n["Dossiers déposés"] - n["Éligibles"] < self.min_count:
            small.add("Éligibles")
        f["Dossiers"] = [disclosure.SECRET if s in small else v for s, v in zip(f["Étape"], f["Dossiers"])]
        return f

    def profile(self, by: str) -> pd.DataFrame:
        """Dossiers by ``legal_group``, ``stage`` or ``departement``, and decision, protected."""
        return self._jointly(by, self._profile(by))

    def _profile(self, by: str) -> pd.DataFrame:
        labels = {"legal_group": "Catégorie de porteur", "stage": "Stade d'avancement", "departement": "Département"}
        out = self._linked()[by].copy()
        out.index.name = labels[by]
        return out

    def _linked(self) -> dict[str, pd.DataFrame]:
        """The profiles and the map of filed dossiers, protected together: they share the decision
        totals and the number of dossiers (``disclosure.protect_linked``); the map's hidden row
        « hors région » is what the funnel's total minus the map would give."""
        if self._linked_tables is None:
            d = self._d.assign(departement=self._d["departement"].map(
                lambda c: voc.REGION_DEPARTEMENTS.get(c, "hors région")))
            tables = {by: pd.crosstab(d[by], d["decision"]) for by in ("legal_group", "stage", "departement")}
            codes = self._d["departement"].where(self._d["departement"].isin(list(voc.REGION_DEPARTEMENTS)),
                                                 "hors région")
            tables["carte"] = pd.crosstab(codes, pd.Series("deposes", index=codes.index))
            for t in tables.values():
                t.columns.name = None
                t.index.name = None
            self._linked_tables = disclosure.protect_linked(tables, min_count=self.min_count,
                                                            hidden={"carte": ["hors région"]})
        return self._linked_tables

    def innovation_types(self) -> pd.DataFrame:
        """Dossiers claiming each type of social innovation (overlapping: no total), small counts suppressed."""
        return self._jointly("types", self._innovation_types())

    def _innovation_types(self) -> pd.DataFrame:
        rows = []
        for col, label in voc.INNOVATION_TYPES.items():
            n = int(self._d[col].sum())
            funded = int((self._d[col] & (self._d["decision"] == "financé")).sum())
            rows.append({"Type d'innovation sociale": label,
                         "Dossiers": n if not 0 < n < self.min_count else disclosure.SECRET,
                         "dont financés": funded if not 0 < funded < self.min_count else disclosure.SECRET})
        return pd.DataFrame(rows)

    def departement_counts(self) -> pd.DataFrame:
        """Dossiers filed and funded per département, ``NaN`` where the count is suppressed."""
        counts = self._departement_counts()
        for cell in self._joint_suppressions():
            if cell.source.startswith("carte:"):
                counts.iloc[cell.at[0], counts.columns.get_loc(cell.source.removeprefix("carte:"))] = float("nan")
        return counts

    def _departement_counts(self) -> pd.DataFrame:
        counts = overview.departement_counts(self._tables)
        filed = self._linked()["carte"]["deposes"]
        counts["deposes"] = pd.to_numeric(filed.reindex(counts["code"]).replace(disclosure.SECRET, None)).to_numpy()
        table = disclosure.protect_counts(counts.set_index("code")[["finances"]], min_count=self.min_count)
        counts["finances"] = pd.to_numeric(table.loc[counts["code"], "finances"].replace(disclosure.SECRET,
                                                                                         None)).to_numpy()
        return counts

    def _jointly(self, source: str, frame: pd.DataFrame) -> pd.DataFrame:
        """``frame`` with the cells joint suppression adds (``socinnov.privacy.joint``)."""
        out = frame.astype(object)
        for cell in self._joint_suppressions():
            if cell.source == source:
                out.iloc[cell.at[0], out.columns.get_loc(cell.at[1])] = disclosure.SECRET
        out.attrs = frame.attrs
        return out

    def shown_frames(self, *, joint: bool = True) -> dict[str, pd.DataFrame]:
        """The tables the public notebooks show, by the name joint suppression gives their cells
        (the maps come from :meth:`departement_counts`); ``joint=False``: before it."""
        def profile(by):
            return (self.profile(by) if joint else self._profile(by)).reset_index()

        return {"funnel": self.funnel() if joint else self._funnel(),
                "types": self.innovation_types() if joint else self._innovation_types(),
                "amounts": self.amounts(), "laureates": self.laureates(),
                "legal_group": profile("legal_group"), "stage": profile("stage")}

    def _joint_suppressions(self) -> list:
        """The cells suppressed on top of each table's own protection so that every public table,
        the maps and the laureate list read together keep every small count uncertain."""
        if self._joint is None:
            from socinnov.privacy import joint, ledger
            from socinnov.privacy.published import Release, dossier_types, frames_cells

            cells = frames_cells(self.shown_frames(joint=False), self._departement_counts())
            truth, earlier = dossier_types(self._all_tables), None
            entries = ledger.read_ledger(self.name)  # read together with the latest release, if any
            if entries:
                before = ledger.truth_from_json(entries[-1]["types"])
                earlier = (Release.from_json(entries[-1]["publie"]), before)
                truth = ledger.hashed_like(truth, before)
            self._joint = joint.extra_suppressions(cells, truth, min_count=self.min_count,
                                                   fixed=frozenset({"laureates"}), earlier=earlier)
        return self._joint

    def amounts(self) -> pd.DataFrame:
        """Amounts requested and granted, with medians over enough dossiers, per call."""
        requested = self._d["requested_amount"]
        granted = self._tables["decisions"]["granted_amount"].dropna()
        envelope = self.call.envelope
        rows = [("Dossiers déposés", fr.number(len(requested))),
                ("Aide sollicitée, médiane", fr.euros(requested.median())),
                ("Aide sollicitée, total", fr.euros(requested.sum())),
                ("Aide accordée, total", fr.euros(granted.sum()) if len(granted) >= self.min_count else disclosure.SECRET),
                ("Aide accordée, médiane", fr.euros(granted.median()) if len(granted) >= self.min_count
                 else disclosure.SECRET),
                ("Enveloppe de l'appel", fr.euros(envelope) if envelope else "non précisée")]
        return pd.DataFrame(rows, columns=["Indicateur", "Valeur"])

    def granted_by_departement(self) -> pd.DataFrame:
        """Aid granted per département (nk dominance and threshold rules)."""
        d = self._d[self._d["decision"] == "financé"].merge(self._tables["decisions"][["dossier_id", "granted_amount"]],
                                                            on="dossier_id")
        d = d.assign(departement=d["departement"].map(lambda c: voc.REGION_DEPARTEMENTS.get(c, "hors région")))
        out = disclosure.protect_amounts(d, "departement", "granted_amount", min_count=self.min_count)
        out["granted_amount"] = [v if v == disclosure.SECRET else fr.euros(v) for v in out["granted_amount"]]
        out.index.name = "Département"
        return out.rename(columns={"granted_amount": "Aide accordée"})

    def agreement(self, grid_id: str = ACCEPTABILITY, *, n_boot: int = 1000, seed: int = 0) -> pd.DataFrame:
        """Agreement per criterion (aggregate statistics over all rated dossiers)."""
        # Imported here: the agreement package (scipy.sparse, the bootstrap) is not needed where a
        # cohort is loaded without computing agreement (the report build, every other report).
        from socinnov.analysis.jury_agreement import criterion_agreement

        return criterion_agreement(self._tables["ratings"], self.grid(grid_id), n_boot=n_boot, seed=seed)

    def level_distribution(self, grid_id: str = ACCEPTABILITY, *, round: str = INDIVIDUAL) -> pd.DataFrame:
        """Ratings per criterion and level (counts of ratings, small ones suppressed)."""
        grid = self.grid(grid_id)
        r = self._tables["ratings"]
        r = r[(r["grid"] == grid.id) & (r["round"] == round)].dropna(subset=["level"])
        table = pd.crosstab(r["criterion"].map({c.id: c.label for c in grid.criteria}), r["level"])
        table = table.reindex(index=[c.label for c in grid.criteria],
                              columns=list(grid.level_labels), fill_value=0)
        table.index.name = "Critère"
        table.columns.name = None  # not the raw column name « level » above the levels
        return disclosure.protect_counts(table, min_count=self.min_count)

    def laureates(self) -> pd.DataFrame:
        """Funded experiments whose decision the comité d'élu-e-s validated: public once voted."""
        dec = self._tables["decisions"]
        voted = dec[(dec["decision"] == FUNDED) & dec["validated"]]
        d = self._tables["dossiers"].merge(voted[["dossier_id", "granted_amount"]], on="dossier_id")
        d = d.sort_values("porteur")
        return pd.DataFrame({
            "Porteur": d["porteur"].to_numpy(), "Action": d["title"].to_numpy(),
            "Département": d["departement"].map(voc.REGION_DEPARTEMENTS).to_numpy(),
            "Aide accordée": [fr.euros(v) for v in d["granted_amount"]],
        })

    def laureate_details(self) -> list[dict]:
        """Résumé, objectifs and publics of the laureates who consented to publication, each
        sentence naming a third party held back and replaced by a message saying so
        (``socinnov.privacy.consent``; ``held_back``: the messages)."""
        if self._consented is None:
            self._consented = consent.review(self._tables)
        return [c.public() for c in self._consented]

    def consent_counts(self) -> dict:
        dec = self._tables["decisions"]
        voted = dec[(dec["decision"] == FUNDED) & dec["validated"]]["dossier_id"]
        d = self._tables["dossiers"][self._tables["dossiers"]["dossier_id"].isin(voted)]
        return {"laureates": len(d), "consenting": int(d["publication_consent"].sum())}

    def publishable_texts(self) -> set[str]:
        """Everything the region may publish about named dossiers: the voted laureates' structure
        and title, and the texts of those who consented as published (held-back sentences out)."""
        laureates = self.laureates()
        texts = set(laureates["Porteur"]) | set(laureates["Action"]) | set(laureates["Aide accordée"])
        for d in self.laureate_details():
            texts |= {v for k, v in d.items() if k in ("summary", "objectives", "target_publics") and v}
        return texts
