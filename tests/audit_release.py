"""A public release written the way the public notebooks display it, for the audit's tests.

Building the public reports runs papermill (about a minute); these tests need only what the
public notebooks display: the same ``PublicCohort`` calls as ``notebooks/diffusion.ipynb`` and
``notebooks/valorisation.ipynb``, rendered by the same ``display.table_html`` and the same map
figure (its caption), saved as executed notebooks beside the open dataset.
"""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

from socinnov.privacy.opendata import write_open_dataset  # noqa: E402
from socinnov.privacy.store import load_cohort  # noqa: E402
from socinnov.reporting import display, plots  # noqa: E402


def _notebook(outputs: list[str]) -> dict:
    cells = [{"cell_type": "code", "execution_count": i, "metadata": {}, "source": "",
              "outputs": [{"output_type": "display_data", "metadata": {},
                           "data": {"text/html": html, "text/plain": "<IPython.core.display.HTML object>"}}]}
             for i, html in enumerate(outputs, 1)]
    return {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


def _caption(fig) -> str:
    import matplotlib.pyplot as plt

    plt.close(fig)
    return f"<figure><figcaption>{fig.alt_text}</figcaption></figure>"


def publish(cohort: str, public: Path) -> Path:
    """Write ``public/`` for ``cohort`` as the release would (notebook outputs + open dataset)."""
    data = load_cohort(cohort, audience="public")
    jury = load_cohort(cohort, audience="jury")
    (public / "notebooks").mkdir(parents=True, exist_ok=True)
    counts = data.departement_counts()
    diffusion = [display.table_html(data.funnel(), precision=2),
                 display.table_html(data.profile("legal_group"), index=True),
                 display.table_html(data.profile("stage"), index=True),
                 display.table_html(data.innovation_types()),
                 _caption(plots.departement_map(counts, value="deposes", title="Dossiers déposés")),
                 display.table_html(data.amounts()),
                 display.table_html(data.level_distribution(), index=True)]
    valorisation = [display.table_html(data.laureates()),
                    _caption(plots.departement_map(counts, value="finances", title="Expérimentations financées")),
                    display.table_html(data.granted_by_departement(), index=True)]
    for name, outputs in (("diffusion", diffusion), ("valorisation", valorisation)):
        (public / "notebooks" / f"{name}.ipynb").write_text(json.dumps(_notebook(outputs), ensure_ascii=False),
                                                           encoding="utf-8")
    write_open_dataset(jury, public / "donnees-ouvertes")
    return public
