"""Disclosure control: what is suppressed cannot be recovered from what is published."""

import numpy as np
import pandas as pd

from socinnov.privacy.disclosure import (
    SECRET,
    crosstab,
    dominated,
    generalise_rare,
    protect_amounts,
    protect_counts,
    rare_combinations,
    unsafe_records,
)


def recoverable(published: pd.DataFrame) -> list:
    """Cells an attacker recovers by subtraction along a row or column (margins included)."""
    found = []
    vals = published.to_numpy()
    for axis in (0, 1):
        for i in range(vals.shape[axis]):
            line = vals[i, :] if axis == 0 else vals[:, i]
            if sum(v == SECRET for v in line) == 1:
                found.append((axis, i))
    return found


def test_small_cells_suppressed_and_not_recoverable_from_margins():
    table = pd.DataFrame({"A": [12, 3, 9], "B": [7, 8, 2], "C": [10, 11, 6]}, index=["x", "y", "z"])
    out = protect_counts(table)
    assert out.loc["y", "A"] == SECRET and out.loc["z", "B"] == SECRET  # primary: 3 and 2
    assert out.attrs["primary"] == 2 and out.attrs["secondary"] >= 2
    assert recoverable(out) == []
    assert out.loc["Total", "Total"] == 12 + 3 + 9 + 7 + 8 + 2 + 10 + 11 + 6  # grand total published


def test_zeros_and_large_cells_untouched():
    table = pd.DataFrame({"A": [0, 12], "B": [20, 30]}, index=["x", "y"])
    out = protect_counts(table)
    assert out.attrs["primary"] == 0 and (out != SECRET).all().all()


def test_single_small_margin_forces_suppression_in_its_lines():
    table = pd.DataFrame({"A": [2, 10, 9], "B": [1, 12, 8]}, index=["x", "y", "z"])  # row x total 3
    out = protect_counts(table)
    assert out.loc["x", "Total"] == SECRET
    assert recoverable(out) == []


def test_one_way_table():
    df = pd.DataFrame({"dep": ["33"] * 10 + ["23"] * 2 + ["87"] * 7})
    out = crosstab(df, "dep")
    assert out.loc["23", "Dossiers"] == SECRET and out.loc["87", "Dossiers"] == SECRET  # 7 is the smallest other
    assert out.loc["Total", "Dossiers"] == 19 and recoverable(out) == []


def test_dominance_rule():
    assert dominated(pd.Series([40000, 1000, 1000, 1000]))          # 2 largest = 41/43 > 85 %
    assert not dominated(pd.Series([10000, 10000, 10000, 10000]))   # 2 largest = 50 %
    df = pd.DataFrame({"dep": ["33"] * 6 + ["87"] * 6 + ["86"] * 6,
                       "amount": [40000, 1000, 500, 500, 500, 500] + [10000] * 6 + [8000] * 6})
    out = protect_amounts(df, "dep", "amount")
    assert out.loc["33", "amount"] == SECRET
    assert out.loc["Total", "amount"] == df["amount"].sum()
    assert (out["amount"] == SECRET).sum() == 2  # one other cell, else 33 = total - the rest


def test_rare_combinations_generalised_until_none_is_left():
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"dep": rng.choice(["16", "17", "19", "23", "33"], 60),
                       "cat": rng.choice(["association", "entreprise", "public"], 60),
                       "stage": rng.choice(["amorçage", "développement"], 60)})
    assert len(rare_combinations(df, ["dep", "cat", "stage"])) > 0
    out = generalise_rare(df, ["dep", "cat", "stage"])
    assert unsafe_records(out, ["dep", "cat", "stage"]).empty
    assert (out["dep"] == SECRET).any() and len(out) == 60
    assert (out["stage"] != SECRET).mean() > 0.8  # the last attributes are kept where possible


def test_a_record_unique_on_its_quasi_identifiers_is_masked():
    df = pd.DataFrame({"dep": ["33"] * 5 + ["23"], "cat": ["association"] * 6})
    assert unsafe_records(df, ["dep", "cat"])["dep"].tolist() == ["23"]
    out = generalise_rare(df, ["dep", "cat"])
    assert out["dep"].tolist()[-1] == SECRET and unsafe_records(out, ["dep", "cat"]).empty
