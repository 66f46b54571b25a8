"""Trajectory sheets: one per funded experiment for the jury's data, none for other audiences."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from socinnov.call.settings import call_to_dict
from socinnov.inputs.ingest import validate_cohort
from socinnov.privacy.store import Cohort
from socinnov.reporting import trajectory_sheets
from tests.conftest import REPO


@pytest.fixture(scope="module")
def demo_frames():
    frames, call = validate_cohort(REPO / "data" / "raw" / "demo")
    return frames, call


def cohort(frames, call, audience: str) -> Cohort:
    """A loaded cohort as ``store.load_cohort`` returns it; the tables are the jury's whatever the
    audience, so that only the audience decides whether sheets are written."""
    return Cohort(name="demo", audience=audience, manifest={"call": call_to_dict(call)}, tables=dict(frames))


@pytest.fixture(scope="module")
def jury_sheets(demo_frames, tmp_path_factory):
    """Sheets of the demo for the jury, one title made hostile, a stale sheet left in the folder."""
    frames, call = demo_frames
    dossiers = frames["dossiers"].copy()
    dossiers.loc[dossiers["dossier_id"] == "AMI16-006", "title"] = "Maison <b>de santé</b>"
    data = cohort(frames | {"dossiers": dossiers}, call, "jury")
    folder = tmp_path_factory.mktemp("fiches")
    (folder / "AMI16-999.html").write_text("ancienne fiche", encoding="utf-8")
    return data, folder, trajectory_sheets.write_sheets(data, folder)


def test_one_sheet_per_funded_experiment_with_names_for_the_jury(demo_frames, jury_sheets):
    frames, _ = demo_frames
    data, folder, paths = jury_sheets
    funded = sorted(frames["decisions"].loc[frames["decisions"]["decision"] == "retenu - financé", "dossier_id"])
    assert [p.stem for p in paths] == funded and len(paths) == 17
    assert sorted(p.name for p in folder.iterdir()) == [f"{d}.html" for d in funded]  # stale sheet removed
    page = (folder / "AMI16-006.html").read_text(encoding="utf-8")
    assert 'lang="fr"' in page and "Confidentiel" in page
    assert "Maison &lt;b&gt;de santé&lt;/b&gt;" in page and "<b>de santé" not in page
    assert "Communauté de communes du Médoc" in page  # the porteur: the jury's data name it
    assert "Action du 11 octobre 2016 au 10 octobre 2017" in page
    assert "Bilan de la deuxième année remis le 16 avril 2019" in page
    assert re.search(r"Dépenses dans la période de l&#39;aide</td><td class=\"ecart\">non respecté", page)
    assert "9\u202f200\u00a0€" in page and "Total versé" in page
    assert 'alt="Trajectoire de AMI16-006 sur la grille' in page and "data:image/png;base64," in page
    note = trajectory_sheets.sheets_note(data, paths).data
    assert note.startswith("<p>17 fiches de trajectoire")
    assert '<a href="fiches-trajectoire/AMI16-006.html">AMI16-006</a> — Maison &lt;b&gt;de santé&lt;/b&gt;' in note


def test_many_sheets_are_listed_on_a_page_of_their_own(demo_frames, tmp_path, monkeypatch):
    # at 1 400 experiments the report listed 1 400 links: beyond LISTED, the first ones and a page
    monkeypatch.setattr(trajectory_sheets, "LISTED", 5)
    data = cohort(*demo_frames, "jury")
    paths = trajectory_sheets.write_sheets(data, tmp_path / "fiches")
    index = (tmp_path / "fiches" / "index.html").read_text(encoding="utf-8")
    assert index.count("<li>") == len(paths) == 17 and 'href="AMI16-006.html"' in index
    note = trajectory_sheets.sheets_note(data, paths).data
    assert note.count("<li>") == 5
    assert '… et 12 autres : <a href="fiches-trajectoire/index.html">la liste complète des fiches</a>' in note


def test_an_abandoned_experiment_sheet_says_so(jury_sheets):
    _, folder, _ = jury_sheets
    page = (folder / "AMI16-039.html").read_text(encoding="utf-8")
    assert "<strong>abandonné</strong>" in page
    assert "solde non versé (expérimentation abandonnée)" in page


@pytest.mark.parametrize("audience", ["comite", "public"])
def test_no_sheet_for_other_audiences_and_the_report_says_why(demo_frames, tmp_path, audience):
    data = cohort(*demo_frames, audience)
    assert trajectory_sheets.write_sheets(data, tmp_path / "fiches") == []
    assert not (tmp_path / "fiches").exists()
    note = trajectory_sheets.sheets_note(data, []).data
    assert "ne sont écrites que pour le jury" in note and f"« {audience} »" in note


def test_sheets_go_beside_the_audience_reports(demo_frames, project):
    data = cohort(*demo_frames, "jury")
    assert trajectory_sheets.sheets_dir(data) == project / "reports" / "demo" / "jury" / "fiches-trajectoire"


def test_the_layout_shared_by_the_sheets_draws_every_figure_as_its_own_layout_would(demo_frames):
    """The sheets' figures take the layout found once for the cohort (each figure drawn once
    instead of twice): the PNG is the one a figure laid out on its own gives, byte for byte."""
    from socinnov.analysis import followup
    from socinnov.reporting.display import figure_html
    from socinnov.reporting.followup_plots import project_trajectory

    frames, call = demo_frames
    context = trajectory_sheets._cohort_context(cohort(frames, call, "jury"))
    assert context["position"] is not None
    args = (context["all_lines"], context["means"])
    funded = list(followup.funded_ids(frames))
    for dossier_id in funded[:3] + funded[-3:]:
        alone = figure_html(project_trajectory(*args, dossier_id, levels=context["levels"]))
        shared = figure_html(project_trajectory(*args, dossier_id, levels=context["levels"],
                                                position=context["position"]))
        assert shared == alone


def _alone(context: dict, lines, means, dossier_id: str) -> str:
    from socinnov.reporting.display import figure_html
    from socinnov.reporting.followup_plots import project_trajectory

    return figure_html(project_trajectory(lines, means, dossier_id, levels=context["levels"]))


def test_the_series_figure_draws_every_sheet_as_its_own_figure_would(demo_frames, monkeypatch):
    """Each sheet's figure restores the axes drawn once and draws its lines and legend over them
    (or puts back the legend's pixels when its lines stay clear of it): byte for byte the PNG and
    texts of the figure laid out and drawn on its own, for every funded experiment of the demo, for
    one missing a dimension (another legend) and one missing its last wave."""
    from socinnov.analysis import followup
    from socinnov.reporting.display import png_html
    from socinnov.reporting.followup_plots import TrajectorySeries

    frames, call = demo_frames
    context = trajectory_sheets._cohort_context(cohort(frames, call, "jury"))
    lines, means = context["all_lines"], context["means"]
    funded = list(followup.funded_ids(frames))
    first_group = means["group"].iloc[0]
    lines = lines[~((lines["dossier_id"] == funded[0]) & (lines["group"] == first_group))]
    last = lines.loc[lines["dossier_id"] == funded[1], "wave_month"].max()
    lines = lines[~((lines["dossier_id"] == funded[1]) & (lines["wave_month"] == last))]
    series = TrajectorySeries(lines, means, levels=context["levels"], position=context["position"], dpi=110)
    clear = []
    original = series._clear_of
    monkeypatch.setattr(series, "_clear_of", lambda *a: clear.append(original(*a)) or clear[-1])
    for dossier_id in funded:
        drawn = series.png(dossier_id)
        assert drawn is not None, dossier_id
        assert png_html(*drawn) == _alone(context, lines, means, dossier_id), dossier_id
    assert len(series._legends) == 2  # all three dimensions, and the experiment missing one
    assert True in clear and False in clear  # legend pixels put back, and legend drawn over a line


def test_a_sheet_the_series_cannot_draw_is_drawn_alone(demo_frames):
    """Points beyond the means' waves would widen the figure's time axis: that sheet is drawn on
    its own figure, the others still by the series."""
    from socinnov.analysis import followup

    frames, call = demo_frames
    context = trajectory_sheets._cohort_context(cohort(frames, call, "jury"))
    last = context["means"]["wave_month"].max()
    means = context["means"][context["means"]["wave_month"] < last]
    funded = list(followup.funded_ids(frames))
    lines = context["all_lines"]
    late = lines.loc[lines["wave_month"] == last, "dossier_id"].iloc[0]
    early = next(d for d in funded if d in set(lines["dossier_id"]) and
                 lines.loc[lines["dossier_id"] == d, "wave_month"].max() < last)
    from socinnov.reporting.followup_plots import TrajectorySeries

    context |= {"means": means, "series": TrajectorySeries(lines, means, levels=context["levels"],
                                                           position=context["position"], dpi=110)}
    assert context["series"].png(late) is None and context["series"].png(early) is not None
    for dossier_id in (late, early):
        assert trajectory_sheets._figure(dossier_id, context) == _alone(context, lines, means, dossier_id)


def test_sheet_tables_list_waves_in_order_of_months_whatever_the_rows_order():
    """The 6-month indicator given last in the file (as in the 10 000-dossier bench cohort, where
    84 of 1 419 sheets listed 0, 12, 18, 24, 6) still comes second; each experiment keeps only its
    waves."""
    from socinnov.reporting.trajectory_sheets import _wide_by_dossier

    rows = pd.DataFrame({
        "dossier_id": ["A"] * 5 + ["B"] * 2,
        "indicator_label": ["Bénéficiaires"] * 7,
        "wave_month": [0, 12, 18, 24, 6, 12, 0],
        "value": [1.0, 3.0, 4.0, 5.0, 2.0, 7.0, 6.0],
    })
    wide = _wide_by_dossier(rows, ["indicator_label"], "value")
    assert list(wide["A"].columns) == [0, 6, 12, 18, 24]
    assert wide["A"].loc["Bénéficiaires"].tolist() == [1.0, 2.0, 3.0, 4.0, 5.0]
    assert list(wide["B"].columns) == [0, 12]
    assert wide["B"].loc["Bénéficiaires"].tolist() == [6.0, 7.0]
