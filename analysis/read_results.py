#!/usr/bin/env python3
"""Read Mycelium results files (HDF5, schema "mycelium-results") from Python.

The layout is documented in docs/results.md; the C++ writer is analysis/results/.

Library use (plots, notebooks)::

    import sys; sys.path.insert(0, "analysis")
    from read_results import read_results, read_summary
    results = read_results("results.h5")     # dict: scenario, mycelium_version, runs [...]
    table = pandas.DataFrame(read_summary("results.h5"))   # one row per run

Command line::

    python3 analysis/read_results.py FILE     # prints the scenario, the runs, the summary table

Exit status 0 when the file was read and checked, 2 with a message on stderr otherwise.
Needs h5py and numpy (Debian: python3-h5py python3-numpy, installed by scripts/setup).
"""

import math
import os
import sys

import h5py
import numpy

SCHEMA = "mycelium-results"
READABLE_SCHEMA_VERSIONS = (1,)
LABEL_PREFIX = "label."
RESERVED_RUN_LINKS = ("time_s", "events", "summary")


class ResultsError(Exception):
    """The file is missing, not HDF5, not a results file, of an unknown version, or inconsistent."""


def _text(value):
    """An HDF5 string (h5py gives str for attributes, bytes for dataset elements) as str."""
    if isinstance(value, bytes):
        return value.decode("utf-8")
    return str(value)


def _strings(dataset):
    return [_text(value) for value in dataset[()]]


def _doubles(dataset):
    return numpy.asarray(dataset[()], dtype=numpy.float64)


class _Checker:
    """Builds the same "cannot read results from PATH: ..." messages as the C++ reader."""

    def __init__(self, path):
        self.path = os.fspath(path)

    def fail(self, what):
        raise ResultsError(f"cannot read results from {self.path}: {what}")

    def attribute(self, obj, name):
        if name not in obj.attrs:
            self.fail(f"attribute '{name}' missing on {obj.name}")
        return obj.attrs[name]

    def member(self, group, name):
        if name not in group:
            self.fail(f"{group.name.rstrip('/')}/{name} missing")
        return group[name]

    def same_length(self, what, size, reference, reference_size):
        if size != reference_size:
            self.fail(f"{what} has {size} values but {reference} has {reference_size}")


def open_results(path):
    """Opens `path` read-only after checking it is a results file of a readable version.

    Returns an open h5py.File; use it in a `with` statement.
    """
    check = _Checker(path)
    if not os.path.exists(path):
        check.fail("no such file")
    if os.path.isdir(path):
        check.fail("is a directory")
    if not h5py.is_hdf5(path):
        check.fail("not an HDF5 file")
    try:
        file = h5py.File(path, "r")
    except OSError as error:
        check.fail(f"open the file failed ({error})")
    try:
        if "schema" not in file.attrs:
            check.fail("not a Mycelium results file (no 'schema' attribute on /)")
        schema = _text(file.attrs["schema"])
        if schema != SCHEMA:
            check.fail(f"not a Mycelium results file (schema is '{schema}', expected '{SCHEMA}')")
        if "schema_version" not in file.attrs:
            check.fail("no 'schema_version' attribute on /")
        try:
            version = int(file.attrs["schema_version"])
        except (TypeError, ValueError):
            check.fail("attribute 'schema_version' of / is not an integer")
        if version not in READABLE_SCHEMA_VERSIONS:
            readable = ", ".join(str(v) for v in READABLE_SCHEMA_VERSIONS)
            check.fail(f"schema version {version} is not supported "
                       f"(this reader reads schema version {readable})")
    except BaseException:
        file.close()
        raise
    return file


def _read_run(check, group):
    name = _text(check.attribute(group, "name"))
    where = f"run '{name}' ({group.name})"
    time_s = _doubles(check.member(group, "time_s"))
    series = {}
    for link, dataset in group.items():  # creation order: the order the run gave its columns
        if link in RESERVED_RUN_LINKS:
            continue
        if not isinstance(dataset, h5py.Dataset):
            check.fail(f"{dataset.name} is not a dataset")
        values = _doubles(dataset)
        check.same_length(f"{where}: series '{link}'", len(values), "time_s", len(time_s))
        series[link] = {"unit": _text(check.attribute(dataset, "unit")), "values": values}
    events = check.member(group, "events")
    kinds = _strings(check.member(events, "kind"))
    event_times = _doubles(check.member(events, "time_s"))
    check.same_length(f"{events.name}/time_s", len(event_times), f"{events.name}/kind", len(kinds))
    summary = check.member(group, "summary")
    metric_names = _strings(check.member(summary, "name"))
    metric_values = _doubles(check.member(summary, "value"))
    check.same_length(f"{summary.name}/value", len(metric_values), f"{summary.name}/name",
                      len(metric_names))
    return {
        "name": name,
        "labels": {key[len(LABEL_PREFIX):]: _text(value)
                   for key, value in sorted(group.attrs.items()) if key.startswith(LABEL_PREFIX)},
        "config": _text(check.attribute(group, "config")),
        "seed": int(check.attribute(group, "seed")),
        "time_s": time_s,
        "series": series,
        "events": list(zip(kinds, (float(t) for t in event_times))),
        "summary": dict(zip(metric_names, (float(v) for v in metric_values))),
    }


def read_results(path):
    """The whole file as a dict: mycelium_version, scenario, runs (list of dicts, in run order).

    A run dict has name, labels (dict), config (YAML text), seed (int), time_s (numpy array),
    series ({name: {"unit": str, "values": numpy array}}, in the writer's order),
    events ([(kind, time_s)]) and summary ({metric: float}, in the writer's order; NaN means
    "not applicable").
    """
    check = _Checker(path)
    with open_results(path) as file:
        runs_group = check.member(file, "runs")
        runs = []
        for index in range(len(runs_group)):
            name = f"{index:04d}"
            if name not in runs_group:
                check.fail(f"/runs has {len(runs_group)} members but no /runs/{name} "
                           "(run groups are numbered from 0000 without gaps)")
            runs.append(_read_run(check, runs_group[name]))
        return {
            "mycelium_version": _text(check.attribute(file, "mycelium_version")),
            "scenario": _text(check.attribute(file, "scenario")),
            "schema_version": int(file.attrs["schema_version"]),
            "runs": runs,
        }


def read_summary(path):
    """The /summary table as {column: list or numpy array}, one row per run, in file order:
    run_name, label.<key>... (str, "" where a run lacks the label), then the metrics
    (float64, NaN where a run lacks the metric). `pandas.DataFrame(read_summary(path))`.
    """
    check = _Checker(path)
    with open_results(path) as file:
        summary = check.member(file, "summary")
        rows = len(check.member(summary, "run_name"))
        table = {}
        for name, dataset in summary.items():
            if dataset.dtype.kind in ("S", "O", "U"):
                values = _strings(dataset)
            else:
                values = _doubles(dataset)
            check.same_length(f"/summary/{name}", len(values), "/summary/run_name", rows)
            table[name] = values
        return table


def _format_number(value):
    if math.isnan(value):
        return "nan"
    return f"{value:.6g}"


def _format_table(table):
    columns = list(table)
    cells = [[str(c) for c in columns]]
    for row in range(len(table["run_name"]) if "run_name" in table else 0):
        cells.append([
            value if isinstance(value, str) else _format_number(float(value))
            for value in (table[c][row] for c in columns)
        ])
    widths = [max(len(line[i]) for line in cells) for i in range(len(columns))]
    return ["  ".join(cell.ljust(width) for cell, width in zip(line, widths)).rstrip()
            for line in cells]


def describe(path):
    """The text the command line prints for `path`."""
    results = read_results(path)
    lines = [
        f"file: {os.fspath(path)}",
        f"schema: {SCHEMA} version {results['schema_version']}, "
        f"written by Mycelium {results['mycelium_version']}",
        f"scenario: {results['scenario']}",
        f"runs: {len(results['runs'])}",
    ]
    for run in results["runs"]:
        labels = " ".join(f"{k}={v}" for k, v in run["labels"].items()) or "-"
        series = ", ".join(f"{name} [{column['unit']}]" for name, column in run["series"].items())
        events = ", ".join(f"{kind}@{time:g}s" for kind, time in run["events"])
        lines.append(f"  {run['name']}: seed {run['seed']}, labels {labels}, "
                     f"{len(run['time_s'])} samples, series: {series or '-'}, "
                     f"events: {events or '-'}")
    lines.append("summary:")
    lines.extend("  " + line for line in _format_table(read_summary(path)))
    return "\n".join(lines)


def main(argv):
    if len(argv) != 2 or argv[1] in ("-h", "--help"):
        print(f"usage: {os.path.basename(argv[0])} FILE", file=sys.stderr)
        return 2
    try:
        text = describe(argv[1])
    except ResultsError as error:
        print(f"read_results.py: {error}", file=sys.stderr)
        return 2
    except (OSError, KeyError, TypeError, ValueError) as error:  # h5py failures mid-file
        print(f"read_results.py: cannot read results from {argv[1]}: {error}", file=sys.stderr)
        return 2
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
